/** Which files each check takes: predicates on a server file's path or first line. */
import type { ServerFile } from "./run";

export const isNginxSite = (f: ServerFile) => /^\/etc\/nginx\/(sites-available|conf\.d)\/[^/]+$/.test(f.path);
export const isSystemdUnit = (f: ServerFile) => /^\/etc\/systemd\/system\/[^/]+\.(service|socket|timer|path|target|mount)$/.test(f.path);
/** A drop-in that changes a unit (possibly one a package installs), e.g. redis-server.service.d/10-x.conf. */
export const isSystemdDropIn = (f: ServerFile) => /^\/etc\/systemd\/system\/[^/]+\.(service|socket|timer|path|target|mount)\.d\/[^/]+\.conf$/.test(f.path);
export const isShellScript = (f: ServerFile) => /^#!\s*\/(usr\/)?bin\/(env\s+)?(sh|bash|dash)\b/.test(f.content);
/** Shell-sourced settings files declare their dialect for shellcheck on their first line. */
export const isShellSettings = (f: ServerFile) => /^# shellcheck shell=(sh|bash|dash)\b/.test(f.content);
export const isShell = (f: ServerFile) => isShellScript(f) || isShellSettings(f);
/** Python modules and scripts (`#!/usr/bin/python3`). */
export const isPython = (f: ServerFile) => f.path.endsWith(".py") || /^#!\s*\/usr\/bin\/(env\s+)?python3\b/.test(f.content);
export const isGunicornConfig = (f: ServerFile) => isPython(f) && /gunicorn[^/]*\.py$/.test(f.path);
export const isSshdConfig = (f: ServerFile) => /^\/etc\/ssh\/sshd_config\.d\/[^/]+$/.test(f.path);
export const isAptConf = (f: ServerFile) => /^\/etc\/apt\/apt\.conf\.d\/[^/]+$/.test(f.path);
export const isJournaldConf = (f: ServerFile) => /^\/etc\/systemd\/journald\.conf\.d\/[^/]+$/.test(f.path);
/** A drop-in for postgresql-common's createcluster.conf. */
export const isCreateclusterConf = (f: ServerFile) => f.path.startsWith("/etc/postgresql-common/createcluster.d/");
export const isRsyslogConf = (f: ServerFile) => f.path.startsWith("/etc/rsyslog.d/");
/** A release bundle (provisioning/release.ts) among a server's files. */
export const isReleaseBundle = (f: ServerFile) => /^\/etc\/[^/]+\/release\.json$/.test(f.path);
export const isSudoers = (f: ServerFile) => f.path.startsWith("/etc/sudoers.d/");
export const isRedisConf = (f: ServerFile) => /^\/etc\/redis\/[^/]+\.conf$/.test(f.path);

/** Paths named by `EnvironmentFile=` in `units`; a leading `-` marks an optional one (left out unless asked). */
export function environmentFilesOf(units: ServerFile[], withOptional = true): string[] {
  const paths = new Set<string>();
  for (const u of units) {
    for (const m of u.content.matchAll(/^EnvironmentFile=(.+)$/gm)) {
      for (const p of m[1].trim().split(/\s+/)) if (withOptional || !p.startsWith("-")) paths.add(p.replace(/^-/, ""));
    }
  }
  return [...paths];
}
