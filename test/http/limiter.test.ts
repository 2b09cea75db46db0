/**
 * The local server's bound on image work: the limiter alone (no models), then a real server with one
 * slot and a tiny queue, sent real requests at once, answering the excess 503 Busy with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { WorkLimiter } from '../../functions/local/limiter.ts';
import { type LocalServer, RETRY_AFTER_SECONDS, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { assertConforms } from './openapi.ts';
import { demoPhoto } from './photos.ts';

async function busyError(promise: Promise<unknown>): Promise<FaceVerifyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceVerifyError);
  expect((error as FaceVerifyError).code).toBe('Busy');
  expect((error as FaceVerifyError).status).toBe(503);
  return error as FaceVerifyError;
}

describe('WorkLimiter', () => {
  it('runs up to its concurrency, queues the next in order, refuses beyond the queue at once', async () => {
    const limiter = new WorkLimiter({ concurrency: 2, queue: 2, queueTimeoutMs: 10_000 });
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: string[] = [];
    const granted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const third = limiter.acquire().then(granted('third'));
    const fourth = limiter.acquire().then(granted('fourth'));
    expect(limiter.load).toEqual({ running: 2, waiting: 2 });
    expect((await busyError(limiter.acquire())).message).toMatch(/queue is full/);

    first();
    first(); // a second call frees nothing more
    const releaseThird = await third;
    expect(order).toEqual(['third']);
    expect(limiter.load).toEqual({ running: 2, waiting: 1 });
    second();
    const releaseFourth = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    releaseThird();
    releaseFourth();
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a request that waited past the deadline, or whose client went away', async () => {
    const limiter = new WorkLimiter({ concurrency: 1, queue: 5, queueTimeoutMs: 30 });
    const release = await limiter.acquire();
    const started = performance.now();
    expect((await busyError(limiter.acquire())).message).toMatch(/within 30 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);

    const patient = new WorkLimiter({ concurrency: 1, queue: 5, queueTimeoutMs: 10_000 });
    const held = await patient.acquire();
    const gone = new AbortController();
    const waiting = patient.acquire(gone.signal);
    gone.abort();
    expect((await busyError(waiting)).message).toMatch(/abandoned/);
    expect(patient.load).toEqual({ running: 1, waiting: 0 });
    held();
    release();
    expect(limiter.load.running).toBe(0);
  });

  it('refuses impossible bounds', () => {
    expect(() => new WorkLimiter({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new WorkLimiter({ queue: -1 })).toThrow(RangeError);
  });
});

describe('the local server under more image requests than it takes', () => {
  let queued: LocalServer;
  let hurried: LocalServer;
  let verifyBody: string;

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    logger.setLogLevel('ERROR');
    // One slot; one request may wait (long enough to be served), or several for 1 ms only.
    [queued, hurried] = await Promise.all([
      startServer({ port: 0, s3Port: 0, limits: { concurrency: 1, queue: 1, queueTimeoutMs: 60_000 } }),
      startServer({ port: 0, s3Port: 0, limits: { concurrency: 1, queue: 4, queueTimeoutMs: 1 } }),
    ]);
    const [a, b] = await Promise.all([demoPhoto(2, 400), demoPhoto(3, 400)]);
    verifyBody = JSON.stringify({ source: a.toString('base64'), target: b.toString('base64') });
  });

  afterAll(async () => {
    await Promise.all([queued?.stop(), hurried?.stop()]);
  });

  async function verify(server: LocalServer) {
    const response = await fetch(new URL('/verify', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: verifyBody,
    });
    const body = await response.json();
    assertConforms('POST /verify', response.status, body);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
  }

  it('serves the slot and the queue, and answers the rest 503 Busy with Retry-After at once', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => verify(queued)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    for (const busy of answers.filter((a) => a.status === 503)) {
      expect(busy.retryAfter).toBe(String(RETRY_AFTER_SECONDS));
      expect(busy.body.error.code).toBe('Busy');
      expect(busy.body.error.message).toMatch(/queue is full/);
    }
    // Routes without images are not limited, and every slot was given back.
    expect((await fetch(new URL('/health', queued.url))).status).toBe(200);
    expect(queued.limiter.load).toEqual({ running: 0, waiting: 0 });
    expect((await verify(queued)).status).toBe(200);
  });

  it('answers 503 Busy to requests that waited past the deadline', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => verify(hurried)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503, 503]);
    for (const busy of answers.filter((a) => a.status === 503)) {
      expect(busy.body.error.message).toMatch(/within 1 ms/);
    }
    expect(hurried.limiter.load).toEqual({ running: 0, waiting: 0 });
  });
});
