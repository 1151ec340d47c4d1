/**
 * The one shape of every service that runs the app's code (gunicorn, workers, the scheduler): the app
 * user, the current release, the 0600 environment file, the same sandboxing, restart on failure.
 */
import { lines } from "./text";
import { appPaths, type AppSpec } from "./types";

export interface AppServiceUnit {
  /** The unit's name without `.service`: also the tag of its lines in the journal and in syslog. */
  name: string;
  description: string;
  execStart: string;
  /** Seconds systemd waits after SIGTERM before SIGKILL. */
  stopTimeout: number;
  /** Extra [Unit] lines (ordering, requirements). */
  unit?: string[];
  /** Service type lines (Type=, NotifyAccess=, ExecReload=, ...). */
  service?: string[];
  restart: "on-failure" | "always";
  restartSec: number;
}

export function renderAppService(app: AppSpec, u: AppServiceUnit): string {
  const p = appPaths(app.name);
  return lines(
    "# Rendered by fullstack-pulumi.",
    "[Unit]",
    `Description=${u.description}`,
    ...(u.unit ?? []),
    // Start after, and so stop before, data stores on the same server: a worker can then finish its task
    // and unregister from Redis at shutdown. Ordering on units a server lacks is ignored.
    "After=postgresql.service redis-server.service",
    `ConditionPathExists=${p.current}`,
    "",
    "[Service]",
    ...(u.service ?? []),
    `User=${app.name}`,
    `Group=${app.name}`,
    `WorkingDirectory=${p.current}`,
    `EnvironmentFile=${p.envFile}`,
    `ExecStart=${u.execStart}`,
    // Its lines carry the unit's name (not gunicorn's, celery's or python's) wherever they are shipped.
    `SyslogIdentifier=${u.name}`,
    "KillMode=mixed",
    `TimeoutStopSec=${u.stopTimeout}`,
    `Restart=${u.restart}`,
    `RestartSec=${u.restartSec}`,
    "PrivateTmp=true",
    "NoNewPrivileges=true",
    "ProtectSystem=full",
    "ProtectHome=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}
