/**
 * Dead man's switches: jobs (the nightly backup, the restore drill) and long-running services (the
 * scheduler, the workers) check in with a healthchecks.io-compatible ping URL, so someone is told when
 * one stops. The ping URL carries a ping key; each check is `<url>/<prefix>-<name>`, created on its first
 * ping (`?create=1`). Jobs ping `/start`, then `/<exit status>` (0 is success); services ping every few
 * minutes while systemd reports them active, and `/fail` when it does not (healthchecks.io "Pinging API":
 * https://healthchecks.io/docs/http_api/, slug URLs and exit status). Without a URL every ping is a no-op.
 *
 * Where the cloud has custom metrics (AWS: CloudWatch), each check is also reported there, at the same
 * moments, by the cloud's reporter at {@link HEARTBEAT_REPORTER} (provisioning/aws/heartbeatMetrics.ts):
 * `<reporter> <namespace> <region> <age checks> <name> start|fail|<exit status> [output file]`. It never
 * fails the job either. Without metrics the files below are exactly what they were before metrics existed.
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

/**
 * The cloud's metrics reporter, where the cloud provides one (its `heartbeatReporterPart` writes it). Called
 * with a 60-second limit; its own errors never reach the job.
 */
export const HEARTBEAT_REPORTER = "/usr/local/lib/fullstack/heartbeat-metrics";
/** Seconds the reporter may take before it is stopped (it never blocks the job longer). */
export const HEARTBEAT_REPORTER_TIMEOUT = 60;

/** The checks' names (each is `<prefix>-<name>` at the ping URL, the dimension of its metrics). */
export const HEARTBEAT_CHECKS = { backup: "backup", drill: "restore-drill", worker: "worker", scheduler: "scheduler" } as const;
export type HeartbeatCheckName = (typeof HEARTBEAT_CHECKS)[keyof typeof HEARTBEAT_CHECKS];
/**
 * Checks whose time since their last success every metrics report on their server carries: the drill may
 * run only monthly, and its metric must not go a day without a value (the nightly backup reports it too).
 */
export const HEARTBEAT_AGE_CHECKS: readonly HeartbeatCheckName[] = [HEARTBEAT_CHECKS.drill];

/** A service this server runs that checks in: its systemd unit and the check's name. */
export interface HeartbeatCheck {
  unit: string;
  name: string;
}

/**
 * The settings the library and the services' check-in read. `ages`: checks whose time since their last
 * success every report also carries (a check that runs less often than its metrics can be watched, such as
 * a weekly drill; see provisioning/aws/heartbeatMetrics.ts).
 */
export function renderHeartbeatEnv(hb: HeartbeatSpec | undefined, checks: readonly HeartbeatCheck[], ages: readonly string[] = []): string {
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: where jobs and services check in. Secret (the ping key): keep 0600.",
    `HEARTBEAT_URL=${shQuote(hb?.url ?? "")}`,
    `HEARTBEAT_PREFIX=${shQuote(hb?.prefix ?? "")}`,
    `HEARTBEAT_CHECKS=${shQuote(checks.map((c) => `${c.unit}:${c.name}`).join(" "))}`,
    ...(hb?.metrics ? [
      `HEARTBEAT_NAMESPACE=${shQuote(hb.metrics.namespace)}`,
      `HEARTBEAT_REGION=${shQuote(hb.metrics.region)}`,
      `HEARTBEAT_AGES=${shQuote(ages.join(" "))}`,
    ] : []),
  );
}

/** The jobs' library; `metrics`: every ping also goes to the cloud's reporter (the same text as before without). */
export function renderHeartbeatLib(metrics = false): string {
  return lines(
    "# shellcheck shell=sh",
    "# Rendered by fullstack-pulumi: heartbeat pings for jobs. Source it, then `heartbeat <name> start`,",
    "# `heartbeat <name> <exit status> [file whose tail goes with the ping]`. A ping that fails never fails the job.",
    `[ -r ${HEARTBEAT_ENV} ] && . ${HEARTBEAT_ENV}`,
    "heartbeat() {",
    ...(metrics ? [
      '  if [ -n "${HEARTBEAT_NAMESPACE:-}" ]; then',
      `    timeout ${HEARTBEAT_REPORTER_TIMEOUT} ${HEARTBEAT_REPORTER} "$HEARTBEAT_NAMESPACE" "$HEARTBEAT_REGION" "\${HEARTBEAT_AGES:-}" "$@" || echo "heartbeat: could not report $1 as a metric" >&2`,
      "  fi",
    ] : []),
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

/**
 * `agesAlone`: a server where no service checks in but a job's age is watched (a managed database's drill
 * on a web server): each run reports the ages by themselves, so the age's alarm hears from the server.
 */
export function renderHeartbeatServices(metrics = false, agesAlone = false): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: each enabled service listed in HEARTBEAT_CHECKS checks in while systemd",
    "# reports it active; one that is not sends a failure with its status and last journal lines.",
    "set -eu",
    `. ${HEARTBEAT_LIB}`,
    metrics ? '[ -n "${HEARTBEAT_URL:-}${HEARTBEAT_NAMESPACE:-}" ] || exit 0' : '[ -n "${HEARTBEAT_URL:-}" ] || exit 0',
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
    ...(agesAlone ? [
      "# No service here checks in: the watched jobs' ages go by themselves (a start reports nothing else).",
      'if [ -n "${HEARTBEAT_NAMESPACE:-}" ] && [ -n "${HEARTBEAT_AGES:-}" ]; then',
      `  timeout ${HEARTBEAT_REPORTER_TIMEOUT} ${HEARTBEAT_REPORTER} "$HEARTBEAT_NAMESPACE" "$HEARTBEAT_REGION" "$HEARTBEAT_AGES" ${HEARTBEAT_CHECKS.drill} start || echo "heartbeat: could not report the ages" >&2`,
      "fi",
    ] : []),
  );
}

/**
 * The heartbeat files on a server that runs jobs or services that check in: the settings (even without
 * a URL, so jobs can always source the library), and with a URL or metrics and services, a timer that
 * checks them in. `ages` as in {@link renderHeartbeatEnv}. The cloud's reporter comes with the cloud's part.
 */
export function heartbeatPart(hb: HeartbeatSpec | undefined, checks: readonly HeartbeatCheck[], ages: readonly string[] = [], agesAlone = false): RolePart {
  const metrics = hb?.metrics !== undefined;
  const alone = agesAlone && metrics && checks.length === 0 && ages.length > 0;
  const timer = hb !== undefined && (checks.length > 0 || alone);
  return {
    writeFiles: [
      { path: HEARTBEAT_ENV, permissions: "0600", content: renderHeartbeatEnv(hb, checks, ages), secret: true },
      { path: HEARTBEAT_LIB, permissions: "0644", content: renderHeartbeatLib(metrics) },
      ...(timer ? [
        { path: HEARTBEAT_SERVICES, permissions: "0755", content: renderHeartbeatServices(metrics, alone) },
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
