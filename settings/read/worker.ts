/** The worker section: the task queue's workers, their queues and broker, and the one scheduler. */
import { SettingsError } from "../errors";
import { SQS_MAX_VISIBILITY_SECONDS, SQS_VISIBILITY_MARGIN_SECONDS, sqsVisibilityProblems } from "../limits/aws";
import type { ConfigReader } from "../reader";
import { fullKey as k } from "../schema";
import type { WorkerSettings } from "../types";
import * as v from "../validate";
import type { StackContext } from "./stack";
import { serverSize } from "./web";

// Queue names reach the worker's command line: never an option (a leading -), never a list separator.
const QUEUE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/**
 * The workers; undefined with no task queue (fullstack:workerKind none).
 * @param wsgiApp the app's WSGI callable, whose package is Celery's app by default.
 * @throws SettingsError naming the first bad key.
 */
export function readWorker(r: ConfigReader, { workerKind, catalog, defaults }: StackContext, wsgiApp: string): WorkerSettings | undefined {
  if (workerKind === "none") return undefined;
  const workerCount = r.int("workerCount", defaults.workerCount);
  const worker: WorkerSettings = {
    kind: workerKind,
    app: v.matches(k("workerApp"), r.get("workerApp") ?? wsgiApp.split(":")[0].split(".")[0], /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$/,
      "a Python module", 'use the module holding your Celery app, e.g. "shop" or "shop.celery:app"'),
    queues: v.stringList(k("workerQueues"), r.get("workerQueues")).map((q, i) => v.matches(`${k("workerQueues")}[${i}]`, q, QUEUE_NAME,
      "a queue name", "use letters, digits, _ . : or -, starting with a letter, digit or _")),
    concurrency: r.int("workerConcurrency"),
    count: workerCount,
    size: serverSize(r, catalog, "workerSize"),
    taskTimeLimit: r.int("taskTimeLimit"),
    // RQ's scheduler is a separate package (rq-scheduler) the app must list; Celery's beat is built in.
    scheduler: r.get("scheduler") === undefined ? workerKind === "celery" : v.boolean(k("scheduler"), r.get("scheduler")),
    backend: r.choice("queueBackend", "a queue backend"),
  };
  // A task may hold its SQS message for its whole time limit (plus a margin): SQS allows 12 hours.
  if (worker.backend === "sqs" && sqsVisibilityProblems(worker.taskTimeLimit).length > 0) {
    throw new SettingsError(k("taskTimeLimit"), worker.taskTimeLimit, `is too long for SQS: ${sqsVisibilityProblems(worker.taskTimeLimit).join("; ")}`,
      `use at most ${SQS_MAX_VISIBILITY_SECONDS - SQS_VISIBILITY_MARGIN_SECONDS} with ${k("queueBackend")} sqs, or ${k("queueBackend")} redis`);
  }
  if (worker.queues.length === 0) {
    throw new SettingsError(k("workerQueues"), [], "is empty", 'list at least one queue, e.g. ["default"]');
  }
  return worker;
}
