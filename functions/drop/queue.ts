/**
 * The drop folder's SQS handler: each message wraps an S3 notification for `incoming/`. A message that
 * fails is reported alone (reportBatchItemFailures), so the queue retries it and, after
 * DROP_QUEUE.maxReceiveCount deliveries, parks it in the dead-letter queue.
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DROP_QUEUE } from '../shared/contract.ts';
import { invocationMetrics, logger, MetricUnit } from '../shared/observability.ts';
import { objectsCreated } from './events.ts';
import { type DropDeps, type DropOutcome, processObject } from './process.ts';

export interface DropHandlerDeps extends DropDeps {
  /** The drop bucket: the store's, and the only one whose events are accepted. */
  bucket: string;
}

export type DropHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export function dropHandler(deps: DropHandlerDeps): DropHandler {
  return async (event) => {
    const metrics = invocationMetrics({ handler: 'drop' });
    const count = (outcome: DropOutcome | 'Failed') => metrics.addMetric(outcome, MetricUnit.Count, 1);
    const batchItemFailures: SQSBatchItemFailure[] = [];
    // One message at a time: a verification already keeps the function's ≈1.7 vCPUs busy (its two photos
    // on two workers; docs/benchmarks.md, "Lambda sizing").
    for (const record of event.Records) {
      try {
        await handleMessage(deps, record, count);
      } catch (error) {
        logger.error('drop message failed', {
          messageId: record.messageId,
          receiveCount: receiveCount(record),
          error,
        });
        count('Failed');
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    metrics.publishStoredMetrics();
    return { batchItemFailures };
  };
}

async function handleMessage(
  deps: DropHandlerDeps,
  record: SQSRecord,
  count: (outcome: DropOutcome) => void,
) {
  const attempt = { count: receiveCount(record), last: receiveCount(record) >= DROP_QUEUE.maxReceiveCount };
  for (const object of objectsCreated(record.body)) {
    if (object.bucket !== deps.bucket) {
      throw new Error(`an event for bucket ${object.bucket}; this handler serves ${deps.bucket}`);
    }
    const started = performance.now();
    const outcome = await processObject(deps, object, attempt);
    logger.info('drop object', {
      key: object.key,
      outcome,
      messageId: record.messageId,
      receiveCount: attempt.count,
      durationMs: Math.round(performance.now() - started),
    });
    count(outcome);
  }
}

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}
