/** The SQS edge of the drop handler: decoding, the test event, and per-message failures. */
import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dropHandler } from '../../functions/drop/queue.ts';
import { logger } from '../../functions/shared/observability.ts';
import { MemoryStore, TextEngine } from './memory.ts';

const EVENTS = new URL('../fixtures/events/', import.meta.url);
const fixture = (name: string): SQSEvent => JSON.parse(readFileSync(new URL(name, EVENTS), 'utf8'));
const BUCKET = 'faceverify-dev-dropfolderbucket-example';

let store: MemoryStore;
let engine: TextEngine;
let logged: ReturnType<typeof vi.spyOn>;

beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

beforeEach(() => {
  store = new MemoryStore();
  engine = new TextEngine();
  logged = vi.spyOn(logger, 'info').mockImplementation(() => {});
  vi.spyOn(logger, 'error').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

const handle = (event: SQSEvent) => dropHandler({ bucket: BUCKET, store, engine })(event);

/** The fixture's message with another body and receive count. */
function message(id: string, body: string, receiveCount = 1): SQSRecord {
  const [template] = fixture('sqs-s3-object-created.json').Records as [SQSRecord];
  return {
    ...template,
    messageId: id,
    body,
    attributes: { ...template.attributes, ApproximateReceiveCount: `${receiveCount}` },
  };
}

describe('dropHandler', () => {
  it('decodes the key of the SQS-wrapped S3 notification and processes it', async () => {
    // The fixture's ETag is the MD5 of an empty object.
    store.upload('incoming/front door/visitor 1.jpg', '');
    expect(await handle(fixture('sqs-s3-object-created.json'))).toEqual({ batchItemFailures: [] });
    expect(logged).toHaveBeenCalledWith(
      'drop object',
      expect.objectContaining({
        key: 'incoming/front door/visitor 1.jpg',
        outcome: 'Waiting',
        receiveCount: 1,
      }),
    );
  });

  it('ignores the s3:TestEvent', async () => {
    expect(await handle(fixture('sqs-s3-test-event.json'))).toEqual({ batchItemFailures: [] });
    expect(logged).not.toHaveBeenCalled();
  });

  it('reports each message that failed, and only those', async () => {
    store.upload('incoming/front door/visitor 1.jpg', '');
    const [good] = fixture('sqs-s3-object-created.json').Records as [SQSRecord];
    const otherBucket = good.body.replaceAll(BUCKET, 'someone-elses-bucket');
    const event = { Records: [message('bad-json', 'not json'), good, message('other-bucket', otherBucket)] };
    expect(await handle(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'bad-json' }, { itemIdentifier: 'other-bucket' }],
    });
  });

  it('on the last delivery, leaves a ProcessingFailed result before the message goes to the dead-letter queue', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    vi.spyOn(engine, 'verify').mockRejectedValue(new Error('out of memory'));
    const body = (key: string, eTag: string) =>
      JSON.stringify({
        Records: [
          { eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key, eTag } } },
        ],
      });
    const second = message('m2', body(b.key, b.eTag ?? ''), 2);
    expect(await handle({ Records: [second] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(store.json('results/p1.json')).toBeUndefined();
    const third = message('m3', body(a.key, a.eTag ?? ''), 3);
    expect(await handle({ Records: [third] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm3' }] });
    expect(store.json('results/p1.json')).toMatchObject({ error: { code: 'ProcessingFailed' } });
  });
});
