/**
 * Task queue workers and the scheduler, as systemd services of the app user sharing the web tier's
 * release and environment. Stopping a worker is a warm shutdown: systemd waits longer than the longest
 * task (Celery also enforces that limit with --time-limit) before it kills anything.
 */
import { renderAppService } from "../systemd";
import { appPaths, type AppSpec, type RolePart, type WorkerSpec } from "../types";
import { HEARTBEAT_CHECKS, type HeartbeatCheck } from "./heartbeat";

function unit(app: AppSpec, name: string, description: string, execStart: string, stopTimeout: number): string {
  return renderAppService(app, {
    name,
    description,
    unit: ["After=network-online.target", "Wants=network-online.target"],
    // SIGTERM is a warm shutdown for Celery and RQ: running tasks finish first.
    service: ["Type=simple", "KillSignal=SIGTERM"],
    execStart,
    stopTimeout,
    restart: "always",
    restartSec: 5,
  });
}

/** Seconds systemd gives a worker to finish its running tasks when it stops it. */
export function workerStopSeconds(worker: WorkerSpec): number {
  return worker.taskTimeLimit + 30;
}

export function renderWorkerService(app: AppSpec, worker: WorkerSpec): string {
  const bin = `${appPaths(app.name).current}/.venv/bin`;
  const stop = workerStopSeconds(worker);
  const exec = worker.kind === "celery"
    ? `${bin}/celery --app ${worker.app} worker --loglevel INFO --concurrency ${worker.concurrency} --queues ${worker.queues.join(",")} --time-limit ${worker.taskTimeLimit} --hostname worker@%H`
    // No fixed --name: after a hard stop RQ keeps the old name registered for a while and refuses to
    // start a worker with the same one (seen in the server test after a reboot).
    : `${bin}/rq worker --url \${REDIS_URL} ${worker.queues.join(" ")}`;
  return unit(app, appPaths(app.name).workerUnit, `${worker.kind} worker for ${app.name}`, exec, stop);
}

export function renderSchedulerService(app: AppSpec, worker: WorkerSpec): string {
  const p = appPaths(app.name);
  const bin = `${p.current}/.venv/bin`;
  const exec = worker.kind === "celery"
    ? `${bin}/celery --app ${worker.app} beat --loglevel INFO --schedule ${p.shared}/celerybeat-schedule`
    : `${bin}/rqscheduler --url \${REDIS_URL}`;
  return unit(app, p.schedulerUnit, `${worker.kind === "celery" ? "celery beat" : "rq-scheduler"} for ${app.name} (exactly one per stack)`, exec, 30);
}

export function workerRole(app: AppSpec, worker: WorkerSpec, scheduler: boolean): RolePart {
  const p = appPaths(app.name);
  const files = [{ path: `/etc/systemd/system/${p.workerUnit}.service`, permissions: "0644", content: renderWorkerService(app, worker) }];
  if (scheduler) {
    files.push({ path: `/etc/systemd/system/${p.schedulerUnit}.service`, permissions: "0644", content: renderSchedulerService(app, worker) });
  }
  return { writeFiles: files, runcmd: [["systemctl", "daemon-reload"]] };
}

/** The worker's (and the scheduler's) heartbeat checks: one check per kind of service (`worker`, `scheduler`). */
export function heartbeatChecks(appName: string, scheduler: boolean): HeartbeatCheck[] {
  const p = appPaths(appName);
  return [{ unit: `${p.workerUnit}.service`, name: HEARTBEAT_CHECKS.worker }, ...(scheduler ? [{ unit: `${p.schedulerUnit}.service`, name: HEARTBEAT_CHECKS.scheduler }] : [])];
}

export function workerUnits(appName: string, scheduler: boolean): string[] {
  const p = appPaths(appName);
  return [`${p.workerUnit}.service`, ...(scheduler ? [`${p.schedulerUnit}.service`] : [])];
}
