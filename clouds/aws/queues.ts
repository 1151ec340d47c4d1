/** SQS task queues, each with a dead-letter queue, and the Celery broker settings that name them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sqsQueuePart } from "../../settings/limits/aws";
import type { CloudAdapter, QueueHandle } from "../types";

/** The queues this adapter made, behind their neutral handle: each task queue's SQS name and its dead-letter queue's. */
const queueNames = new WeakMap<QueueHandle, { queue: string; name: pulumi.Output<string>; deadLetter: pulumi.Output<string> }[]>();

/** The SQS queue names (dimension QueueName) behind a queue handle this adapter made. */
export function queueNamesOf(handle: QueueHandle): { queue: string; name: pulumi.Output<string>; deadLetter: pulumi.Output<string> }[] {
  const names = queueNames.get(handle);
  if (!names) throw new Error("these queues were not made by the AWS adapter");
  return names;
}

export const queues: NonNullable<CloudAdapter["queues"]> = (name, args, opts): QueueHandle => {
  const queues = args.names.map((q) => {
    const safe = sqsQueuePart(q);
    const dlq = new aws.sqs.Queue(`${name}-${safe}-dlq`, {
      messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true,
    }, { ...opts, protect: args.protect });
    const queue = new aws.sqs.Queue(`${name}-${safe}`, {
      visibilityTimeoutSeconds: args.visibilityTimeout,
      messageRetentionSeconds: 4 * 24 * 3600,
      sqsManagedSseEnabled: true,
      redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
    }, { ...opts, protect: args.protect });
    return { name: q, queue, dlq };
  });
  const predefined = pulumi.all(queues.map((q) => pulumi.all([q.queue.url]).apply(([url]) => [q.name, { url }] as const)));
  const handle: QueueHandle = {
    arns: pulumi.all(queues.flatMap((q) => [q.queue.arn, q.dlq.arn])),
    environment: {
      CELERY_BROKER_URL: "sqs://",
      CELERY_BROKER_TRANSPORT_OPTIONS: predefined.apply((entries) => JSON.stringify({
        region: aws.config.region ?? "", predefined_queues: Object.fromEntries(entries),
      })),
    },
  };
  queueNames.set(handle, queues.map((q) => ({ queue: q.name, name: q.queue.name, deadLetter: q.dlq.name })));
  return handle;
};
