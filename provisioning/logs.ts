/**
 * Where a server's logs are, by stream, for whatever ships them off the server (the CloudWatch agent on
 * AWS, clouds/aws/logs.ts). Every service the library runs logs to journald under its unit name (gunicorn,
 * its access log included, the workers and the scheduler write to stdout and stderr, which systemd
 * records); nginx writes the app's requests to a file of its own, one JSON object per line
 * (NGINX_LOG_FIELDS in ./nginx.ts), and its errors to Debian's error log. A stream lists every unit or file any
 * server may have: a server without one of them ships nothing for it.
 */
import { basename } from "node:path";
import { TLS_ISSUE_SCRIPT, TLS_ISSUE_UNIT } from "./roles/tls";
import { HEARTBEAT_SERVICES, HEARTBEAT_UNIT } from "./roles/heartbeat";
import { POSTGRES_BACKUP, POSTGRES_BACKUP_UNIT, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL } from "./roles/postgres";
import { DRAIN_SCRIPT, DRAIN_UNIT } from "./aws/groupDrain";
import { nginxAccessLog } from "./nginx";
import { appPaths } from "./types";

export interface LogStream {
  /** The stream's name, the last part of its log group's name. */
  readonly name: "app" | "jobs" | "nginx";
  /** What it holds, for the log group's description and the README. */
  readonly description: string;
  /** systemd units whose journal entries it holds. */
  readonly units: readonly string[];
  /**
   * The tags (SYSLOG_IDENTIFIER) of those units' lines: the app's services set theirs to the unit's name
   * (provisioning/systemd.ts); a job's is its script's name, systemd's default.
   */
  readonly identifiers: readonly string[];
  /** Files whose lines it holds. */
  readonly files: readonly string[];
}

/** The streams of an app's servers. */
export function logStreams(appName: string): LogStream[] {
  const p = appPaths(appName);
  return [
    {
      name: "app", description: `${appName}'s services: gunicorn (with its access log), the workers and the scheduler`,
      units: [`${p.gunicornUnit}.service`, `${p.workerUnit}.service`, `${p.schedulerUnit}.service`],
      identifiers: [p.gunicornUnit, p.workerUnit, p.schedulerUnit],
      files: [],
    },
    {
      name: "jobs", description: "Scheduled jobs: the nightly backup, the restore drill, certificates, heartbeats, a group member's drain",
      units: [`${POSTGRES_BACKUP_UNIT}.service`, `${POSTGRES_DRILL_UNIT}.service`, `${TLS_ISSUE_UNIT}.service`, `${HEARTBEAT_UNIT}.service`, DRAIN_UNIT],
      identifiers: [POSTGRES_BACKUP, POSTGRES_RESTORE_DRILL, TLS_ISSUE_SCRIPT, HEARTBEAT_SERVICES, DRAIN_SCRIPT].map((path) => basename(path)),
      files: [],
    },
    {
      name: "nginx", description: `nginx: ${appName}'s requests (one JSON object per line) and nginx's errors`,
      units: [], identifiers: [], files: [nginxAccessLog(appName), "/var/log/nginx/error.log"],
    },
  ];
}
