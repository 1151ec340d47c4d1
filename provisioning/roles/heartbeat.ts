/**
 * Dead man's switches: jobs (the nightly backup, the restore drill) and long-running services (the
 * scheduler, the workers) check in with a healthchecks.io-compatible ping URL, so someone is told when
 * one stops. The ping URL carries a ping key; each check is `<url>/<prefix>-<name>`, created on its first
 * ping (`?create=1`). Jobs ping `/start`, then `/<exit status>` (0 is success); services ping every few
 * minutes while systemd reports them active, and `/fail` when it does not (healthchecks.io "Pinging API":
 * https://healthchecks.io/docs/http_api/, slug URLs and exit status). Without a URL every ping is a no-op.
 */
import { lines, shQuote } from "../text";
import type { HeartbeatSpec, RolePart } from "../types";

/** The ping URL, prefix and checks; root-only (the URL holds the ping key). */
export const HEARTBEAT_ENV = "/etc/fullstack/heartbeat.env";
/** Shell functions the jobs source: `heartbeat <name> start|fail|<exit status> [body file]`. */
export const HEARTBEAT_LIB = "/usr/local/lib/fullstack/heartbeat.sh";
/** The services' check-in, run by its timer. */
export const HEARTBEAT_SERVICES = "/usr/local/sbin/fullstack-heartbeat";
export const HEARTBEAT_UNIT = "fullstack-heartbeat";

/** A service this server runs that checks in: its systemd unit and the check's name. */
export interface HeartbeatCheck {
  unit: string;
  name: string;
}

export function renderHeartbeatEnv(hb: HeartbeatSpec | undefined, checks: readonly HeartbeatCheck[]): string {
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: where jobs and services check in. Secret (the ping key): keep 0600.",
    `HEARTBEAT_URL=${shQuote(hb?.url ?? "")}`,
    `HEARTBEAT_PREFIX=${shQuote(hb?.prefix ?? "")}`,
    `HEARTBEAT_CHECKS=${shQuote(checks.map((c) => `${c.unit}:${c.name}`).join(" "))}`,
  );
}

export function renderHeartbeatLib(): string {
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: heartbeat pings for jobs. Source it, then `heartbeat <name> start`,",
    "# `heartbeat <name> <exit status> [file whose tail goes with the ping]`. A ping that fails never fails the job.",
    `[ -r ${HEARTBEAT_ENV} ] && . ${HEARTBEAT_ENV}`,
    "heartbeat() {",
    '  [ -n "${HEARTBEAT_URL:-}" ] || return 0',
    '  hb_url="$HEARTBEAT_URL/$HEARTBEAT_PREFIX-$1/$2?create=1"',
    '  if [ -n "${3:-}" ] && [ -r "$3" ]; then',
    '    tail -c 10000 "$3" | curl -fsS -m 10 --retry 3 -o /dev/null --data-binary @- "$hb_url" || echo "heartbeat: could not ping $HEARTBEAT_PREFIX-$1" >&2',
    "  else",
    '    curl -fsS -m 10 --retry 3 -o /dev/null "$hb_url" || echo "heartbeat: could not ping $HEARTBEAT_PREFIX-$1" >&2',
    "  fi",
    "}",
  );
}

export function renderHeartbeatServices(): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: each enabled service listed in HEARTBEAT_CHECKS checks in while systemd",
    "# reports it active; one that is not sends a failure with its status and last journal lines.",
    "set -eu",
    `. ${HEARTBEAT_LIB}`,
    '[ -n "${HEARTBEAT_URL:-}" ] || exit 0',
    "for check in $HEARTBEAT_CHECKS; do",
    '  unit=${check%%:*}',
    '  name=${check#*:}',
    "  # Not enabled: not released yet (the release enables it), or turned off on purpose.",
    '  systemctl is-enabled --quiet "$unit" 2>/dev/null || continue',
    '  if systemctl is-active --quiet "$unit"; then',
    '    heartbeat "$name" 0',
    "  else",
    '    log=$(mktemp)',
    '    { systemctl status --no-pager --lines=20 "$unit" || true; } > "$log" 2>&1',
    '    heartbeat "$name" fail "$log"',
    '    rm -f "$log"',
    "  fi",
    "done",
  );
}

/**
 * The heartbeat files on a server that runs jobs or services that check in: the settings (even without
 * a URL, so jobs can always source the library), and with a URL and services, a timer that checks them in.
 */
export function heartbeatPart(hb: HeartbeatSpec | undefined, checks: readonly HeartbeatCheck[]): RolePart {
  const timer = hb !== undefined && checks.length > 0;
  return {
    writeFiles: [
      { path: HEARTBEAT_ENV, permissions: "0600", content: renderHeartbeatEnv(hb, checks), secret: true },
      { path: HEARTBEAT_LIB, permissions: "0644", content: renderHeartbeatLib() },
      ...(timer ? [
        { path: HEARTBEAT_SERVICES, permissions: "0755", content: renderHeartbeatServices() },
        {
          path: `/etc/systemd/system/${HEARTBEAT_UNIT}.service`, permissions: "0644",
          content: lines("# Rendered by fullstack-pulumi.", "[Unit]", "Description=Heartbeats of the scheduler and workers", "", "[Service]", "Type=oneshot", `ExecStart=${HEARTBEAT_SERVICES}`),
        },
        {
          path: `/etc/systemd/system/${HEARTBEAT_UNIT}.timer`, permissions: "0644",
          content: lines(
            "# Rendered by fullstack-pulumi.", "[Unit]", "Description=Heartbeats of the scheduler and workers", "", "[Timer]",
            "OnBootSec=2min", `OnUnitActiveSec=${hb.everyMinutes}min`, "AccuracySec=30s", "", "[Install]", "WantedBy=timers.target",
          ),
        },
      ] : []),
    ],
    runcmd: timer ? [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", `${HEARTBEAT_UNIT}.timer`]] : [],
  };
}
