/**
 * The drop folder's AWS wiring, locally: s3rver's object events become the S3 notifications AWS would
 * send for `incoming/` and `enrol/` (same record shape, URL-encoded keys), queued and delivered to the drop handler
 * in SQS batches the way the event source mapping does (infra/drop-folder.ts): at most `batchSize`
 * messages per call, `maxConcurrency` calls at once, failed messages retried after a delay and parked
 * after `maxReceiveCount` deliveries. The handler also relies on S3's conditional, atomic writes: the
 * local S3 endpoint has them from s3-conditions.ts.
 *
 * SQS keeps its messages through a crash; this queue lives in memory. So at start the watcher rebuilds
 * it from the bucket: every upload still under a watched prefix is announced again, as a redelivery
 * would be. The handler acts only on uploads that have no result yet, and writes each result once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { objectCreatedRecord } from '../drop/events.ts';
import { compareKeys, unquoteETag } from '../drop/store.ts';
import { DROP_JOB_PREFIXES, DROP_QUEUE } from '../shared/contract.ts';
import { logger } from '../shared/observability.ts';

/** s3rver's notification: AWS's shape, with the key not encoded and no ETag on copies. */
interface S3rverEvent {
  Records: {
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

export interface S3rverEvents {
  on(event: 'event', listener: (event: S3rverEvent) => void): unknown;
  off(event: 'event', listener: (event: S3rverEvent) => void): unknown;
  /** Read once at start, to find the uploads still waiting. */
  store: {
    listObjects(
      bucket: string,
      options: { prefix: string },
    ): Promise<{ objects: { key: string; size: number; metadata: { etag: string } }[] }>;
  };
}

export interface DropWatcherOptions {
  /** The s3rver instance serving the bucket. */
  s3: S3rverEvents;
  bucket: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** The prefixes whose new objects are jobs (default: `incoming/` and `enrol/`, as S3 notifies on AWS). */
  prefixes?: readonly string[];
  batchSize?: number;
  maxConcurrency?: number;
  maxReceiveCount?: number;
  /** How long a failed message stays invisible before its next delivery (SQS: the visibility timeout). */
  retryDelayMs?: number;
}

export interface DropWatcher {
  /** Queues a notification as S3 does for each object created; tests call it again to redeliver one. */
  publish(notification: S3Event): void;
  /** Resolves once every queued message has been handled or parked, and no retry is pending. */
  idle(): Promise<void>;
  /** Messages that failed maxReceiveCount times: the dead-letter queue. */
  readonly deadLetters: readonly SQSRecord[];
  /** How many uploads found waiting at start were queued again. */
  readonly resumed: Promise<number>;
  stop(): void;
}

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  sentAt: number;
}

export function startDropWatcher({
  s3,
  bucket,
  handler,
  prefixes = DROP_JOB_PREFIXES,
  batchSize = DROP_QUEUE.batchSize,
  maxConcurrency = DROP_QUEUE.maxConcurrency,
  maxReceiveCount = DROP_QUEUE.maxReceiveCount,
  retryDelayMs = 1000,
}: DropWatcherOptions): DropWatcher {
  const queue: Message[] = [];
  const deadLetters: SQSRecord[] = [];
  const retries = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let pumpScheduled = false;
  let scanning = true;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (queue.length > 0 || inFlight > 0 || retries.size > 0 || pumpScheduled || scanning) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };

  // Deferred, so that objects created together are delivered together, as an SQS poll would.
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      while (queue.length > 0 && inFlight < maxConcurrency) {
        inFlight++;
        deliver(queue.splice(0, batchSize)).finally(() => {
          inFlight--;
          schedulePump();
          settleIdle();
        });
      }
      settleIdle();
    });
  };

  const deliver = async (batch: Message[]) => {
    for (const message of batch) message.receiveCount++;
    const records = batch.map(sqsRecord);
    const failed = await handler({ Records: records }).then(
      ({ batchItemFailures }) => new Set(batchItemFailures.map((f) => f.itemIdentifier)),
      (error: unknown) => {
        logger.error('drop handler threw: every message of the batch is retried', { error });
        return new Set(batch.map((m) => m.id));
      },
    );
    batch.forEach((message, i) => {
      if (!failed.has(message.id)) return;
      if (message.receiveCount >= maxReceiveCount) {
        deadLetters.push(records[i] as SQSRecord);
        logger.warn('drop message parked in the dead-letter queue', {
          messageId: message.id,
          receiveCount: message.receiveCount,
        });
        return;
      }
      const retry = setTimeout(() => {
        retries.delete(retry);
        queue.push(message);
        schedulePump();
      }, retryDelayMs);
      retries.add(retry);
    });
  };

  const publish = (notification: S3Event) => {
    queue.push({ id: randomUUID(), body: JSON.stringify(notification), receiveCount: 0, sentAt: Date.now() });
    schedulePump();
  };

  const watched = (key: string) => prefixes.some((prefix) => key.startsWith(prefix));

  // What the bucket notification forwards: objects created under the watched prefixes in this bucket.
  const onEvent = (event: S3rverEvent) => {
    for (const { eventName, s3: s3Record } of event.Records) {
      const { key, size = 0, eTag } = s3Record.object;
      if (!eventName.startsWith('ObjectCreated:') || s3Record.bucket.name !== bucket) continue;
      if (!watched(key)) continue;
      publish({ Records: [objectCreatedRecord({ bucket, key, size, eTag, eventName })] });
    }
  };
  s3.on('event', onEvent);

  let stopped = false;
  // In key order, so the two files of a pair are neighbours and usually land in one batch.
  const resumed = (async () => {
    let count = 0;
    for (const prefix of prefixes) {
      const { objects } = await s3.store.listObjects(bucket, { prefix });
      if (stopped) return count;
      for (const { key, size, metadata } of objects.toSorted((a, b) => compareKeys(a.key, b.key))) {
        publish({ Records: [objectCreatedRecord({ bucket, key, size, eTag: unquoteETag(metadata.etag) })] });
        count++;
      }
    }
    if (count > 0) logger.info('drop folder: uploads found waiting at start, queued again', { count });
    return count;
  })().finally(() => {
    scanning = false;
    settleIdle();
  });
  // Whoever starts the watcher awaits `resumed` to learn of a failed scan; nobody else must crash on it.
  resumed.catch(() => {});

  return {
    publish,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    deadLetters,
    resumed,
    stop() {
      stopped = true;
      s3.off('event', onEvent);
      for (const retry of retries) clearTimeout(retry);
      retries.clear();
      queue.length = 0;
      settleIdle();
    },
  };
}

function sqsRecord(message: Message): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: `${message.id}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'faceverify-local',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:faceverify-drop-local',
    awsRegion: 'us-east-1',
  };
}
