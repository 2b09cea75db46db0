/** The drop folder's logic over an in-memory bucket: every ordering S3 events can arrive in. */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ObjectCreated } from '../../functions/drop/events.ts';
import { type Attempt, type DropDeps, processObject } from '../../functions/drop/process.ts';
import { MemoryStore, TEXT_FACE, TEXT_MODEL, TEXT_TIMINGS, TextEngine } from './memory.ts';

const FIRST: Attempt = { count: 1, last: false };
const LAST: Attempt = { count: 3, last: true };
const AT = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

let store: MemoryStore;
let engine: TextEngine;
let deps: DropDeps;
const run = (event: ObjectCreated, attempt = FIRST) => processObject(deps, event, attempt);

beforeEach(() => {
  store = new MemoryStore();
  engine = new TextEngine();
  deps = { store, engine };
});

afterEach(() => {
  vi.restoreAllMocks();
});

function verdict(pairId: string, a: ObjectCreated, b: ObjectCreated, match: boolean) {
  return {
    pairId,
    keys: [a.key, b.key],
    eTags: [a.eTag, b.eTag],
    completedAt: AT,
    match,
    similarity: match ? 0.9 : 0.1,
    threshold: 0.5,
    far: match ? 0.0001 : 0.3,
    pose: 'frontal',
    source: TEXT_FACE,
    target: TEXT_FACE,
    poorFaces: [],
    timings: TEXT_TIMINGS,
    model: TEXT_MODEL,
  };
}

describe('a pair', () => {
  it('waits for its second image, then writes its verdict and deletes both inputs', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    expect(await run(a)).toBe('Waiting');
    expect(store.keys()).toEqual(['incoming/p1/a.jpg']);
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    expect(await run(b)).toBe('Written');
    expect(store.keys()).toEqual(['results/p1.json']);
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, true));
  });

  it('judges different people as no match', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:bob');
    expect(await run(b)).toBe('Written');
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, false));
  });

  it('takes source and target in key order, whichever event comes first', async () => {
    const b = store.upload('incoming/p1/z-target.jpg', 'face:bob');
    const a = store.upload('incoming/p1/a-source.jpg', 'face:ann');
    const verify = vi.spyOn(engine, 'verify');
    expect(await run(b)).toBe('Written');
    expect(await run(a)).toBe('Stale');
    expect(new TextDecoder().decode(verify.mock.calls[0]?.[0])).toBe('face:ann');
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, false));
  });

  it('writes one result when both events judge at the same moment', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    const write = store.writeJson.bind(store);
    let arrived = 0;
    let release: () => void = () => {};
    const bothJudged = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writes = vi.spyOn(store, 'writeJson').mockImplementation(async (...args) => {
      if (++arrived === 2) release();
      await bothJudged;
      return write(...args);
    });
    const outcomes = await Promise.all([run(a), run(b)]);
    expect(writes).toHaveBeenCalledTimes(2);
    expect(outcomes.filter((o) => o === 'Written')).toHaveLength(1);
    // The loser re-reads: the result accounts for its upload, or the winner has already deleted it.
    expect(outcomes.find((o) => o !== 'Written')).toBeOneOf(['Duplicate', 'Stale']);
    expect(store.keys()).toEqual(['results/p1.json']);
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, true));
  });

  it('ignores a redelivered event once the inputs are gone, leaving the result untouched', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    await run(b);
    const result = store.objects.get('results/p1.json');
    expect(await run(a)).toBe('Stale');
    expect(await run(b)).toBe('Stale');
    expect(store.objects.get('results/p1.json')).toBe(result);
  });

  it('finishes the cleanup when redelivered after a crash between writing the result and deleting', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    vi.spyOn(store, 'delete').mockRejectedValueOnce(new Error('connection reset'));
    await expect(run(b)).rejects.toThrow('connection reset');
    const result = store.objects.get('results/p1.json');
    expect(await run(b, { count: 2, last: false })).toBe('Duplicate');
    expect(store.keys()).toEqual(['results/p1.json']);
    expect(store.objects.get('results/p1.json')).toBe(result);
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, true));
  });

  it('reports more than two files as TooManyFiles and deletes them all', async () => {
    const files = ['a.jpg', 'b.jpg', 'c.jpg'].map((name) => store.upload(`incoming/p1/${name}`, 'face:ann'));
    expect(await run(files[1] as ObjectCreated)).toBe('Written');
    expect(store.json('results/p1.json')).toEqual({
      pairId: 'p1',
      keys: files.map((f) => f.key),
      eTags: files.map((f) => f.eTag),
      completedAt: AT,
      error: {
        code: 'TooManyFiles',
        message: 'incoming/p1/ held 3 files when the pair was judged; a pair is exactly two images.',
      },
    });
    expect(store.keys()).toEqual(['results/p1.json']);
  });

  it('reports a file that arrives after the verdict on its own, and keeps the verdict', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    await run(b);
    const c = store.upload('incoming/p1/c.jpg', 'face:bob');
    expect(await run(c)).toBe('Rejected');
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, true));
    expect(store.json('results/rejected/p1/c.jpg.json')).toEqual({
      keys: [c.key],
      eTags: [c.eTag],
      completedAt: AT,
      error: {
        code: 'PairAlreadyJudged',
        message:
          'results/p1.json was written before this file arrived; it judged incoming/p1/a.jpg and incoming/p1/b.jpg. A pairId is used once.',
        key: c.key,
      },
    });
    expect(store.keys()).toEqual(['results/p1.json', 'results/rejected/p1/c.jpg.json']);
  });

  it('treats a new upload under a judged key as a late file, not as a redelivery', async () => {
    store.upload('incoming/p1/a.jpg', 'face:ann');
    await run(store.upload('incoming/p1/b.jpg', 'face:ann'));
    const again = store.upload('incoming/p1/b.jpg', 'face:bob');
    expect(await run(again)).toBe('Rejected');
    expect(store.json('results/rejected/p1/b.jpg.json')).toMatchObject({
      error: { code: 'PairAlreadyJudged' },
    });
  });

  it('names the file that is not an image', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.txt', 'hello');
    expect(await run(a)).toBe('Written');
    expect(store.json('results/p1.json')).toEqual({
      pairId: 'p1',
      keys: [a.key, b.key],
      eTags: [a.eTag, b.eTag],
      completedAt: AT,
      error: {
        code: 'UnsupportedMediaType',
        message: 'The upload is not an image.',
        image: 'target',
        key: b.key,
      },
    });
    expect(store.keys()).toEqual(['results/p1.json']);
  });

  it('names the source when it is not an image, and when neither is', async () => {
    const a = store.upload('incoming/p1/a.txt', 'hello');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    await run(b);
    expect(store.json('results/p1.json')).toMatchObject({ error: { image: 'source', key: a.key } });
    const c = store.upload('incoming/p2/c.txt', 'hello');
    store.upload('incoming/p2/d.txt', 'world');
    await run(c);
    expect(store.json('results/p2.json')).toMatchObject({ error: { image: 'source', key: c.key } });
  });

  it('names the image without a face', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'blank');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    await run(b);
    expect(store.json('results/p1.json')).toMatchObject({
      error: {
        code: 'NoFaceDetected',
        message: 'No face was found in the source image.',
        image: 'source',
        key: a.key,
      },
    });
  });

  it('refuses an image over the size limit without reading it', async () => {
    store.upload('incoming/p1/a.jpg', 'face:ann');
    const big = store.upload('incoming/p1/b.jpg', new Uint8Array(21 * 1024 * 1024));
    const read = vi.spyOn(store, 'read');
    await run(big);
    expect(read).not.toHaveBeenCalledWith(big.key);
    expect(store.json('results/p1.json')).toMatchObject({
      error: {
        code: 'ImageTooLarge',
        message: 'incoming/p1/b.jpg is 21.0 MiB; the limit is 20.0 MiB.',
        image: 'target',
        key: big.key,
      },
    });
  });

  it('fails and retries on a fault of ours; its last attempt writes ProcessingFailed and keeps the inputs', async () => {
    const a = store.upload('incoming/p1/a.jpg', 'face:ann');
    const b = store.upload('incoming/p1/b.jpg', 'face:ann');
    const verify = vi.spyOn(engine, 'verify').mockRejectedValue(new Error('onnxruntime crashed'));
    await expect(run(b)).rejects.toThrow('onnxruntime crashed');
    expect(store.keys()).toEqual([a.key, b.key]);
    await expect(run(b, LAST)).rejects.toThrow('onnxruntime crashed');
    expect(store.json('results/p1.json')).toEqual({
      pairId: 'p1',
      keys: [a.key, b.key],
      eTags: [a.eTag, b.eTag],
      completedAt: AT,
      error: {
        code: 'ProcessingFailed',
        message:
          'Processing failed 3 times; the event was parked in the dead-letter queue. A redrive that succeeds replaces this result.',
      },
    });
    expect(store.keys()).toEqual([a.key, b.key, 'results/p1.json']);
    verify.mockRestore();
    expect(await run(b)).toBe('Written');
    expect(store.json('results/p1.json')).toEqual(verdict('p1', a, b, true));
    expect(store.keys()).toEqual(['results/p1.json']);
  });
});

describe('an enrolment', () => {
  /** The collections service's part the drop folder calls, answering as the service would. */
  const enrolled = {
    faces: [{ ...TEXT_FACE, faceId: 'f1', externalId: 'ann', pose: 'frontal' }],
    unindexedFaces: [],
  };

  it('a fault of ours is retried; its last attempt writes ProcessingFailed and keeps the upload; a redrive enrols', async () => {
    const index = vi.fn().mockRejectedValue(new Error('DynamoDB unreachable'));
    deps.collections = () => ({ index });
    const photo = store.upload('enrol/staff/ann/me.jpg', 'face:ann');
    await expect(run(photo)).rejects.toThrow('DynamoDB unreachable');
    await expect(run(photo, LAST)).rejects.toThrow('DynamoDB unreachable');
    expect(store.json('results/enrol/staff/ann/me.jpg.json')).toEqual({
      keys: [photo.key],
      eTags: [photo.eTag],
      completedAt: AT,
      error: {
        code: 'ProcessingFailed',
        message:
          'Processing failed 3 times; the event was parked in the dead-letter queue. A redrive that succeeds replaces this result.',
      },
    });
    expect(store.keys()).toEqual([photo.key, 'results/enrol/staff/ann/me.jpg.json']);

    index.mockResolvedValue(enrolled);
    expect(await run(photo)).toBe('Written');
    // The upload's key and bytes name the enrolment, so a re-run of the job derives the same faceIds.
    const sha256 = createHash('sha256').update('face:ann').digest('hex');
    expect(index).toHaveBeenLastCalledWith('', 'staff', new TextEncoder().encode('face:ann'), {
      externalId: 'ann',
      source: `${photo.key}#sha256:${sha256}`,
    });
    expect(store.json('results/enrol/staff/ann/me.jpg.json')).toEqual({
      keys: [photo.key],
      eTags: [photo.eTag],
      completedAt: AT,
      collectionId: 'staff',
      externalId: 'ann',
      ...enrolled,
      model: TEXT_MODEL,
    });
    expect(store.keys()).toEqual(['results/enrol/staff/ann/me.jpg.json']);
    expect(await run(photo)).toBe('Stale');
    expect(index).toHaveBeenCalledTimes(3);
  });

  it('ignores the folder markers consoles create under enrol/', async () => {
    const index = vi.fn();
    deps.collections = () => ({ index });
    expect(await run(store.upload('enrol/staff/ann/', ''))).toBe('Ignored');
    expect(index).not.toHaveBeenCalled();
  });
});

describe('a detect job', () => {
  it('writes the detect response under results/detect/ and deletes the input', async () => {
    const photo = store.upload('incoming/detect/team/photo 1.jpg', 'face:ann');
    expect(await run(photo)).toBe('Written');
    expect(store.json('results/detect/team/photo 1.jpg.json')).toEqual({
      keys: [photo.key],
      eTags: [photo.eTag],
      completedAt: AT,
      width: 64,
      height: 64,
      faces: [TEXT_FACE],
      timings: TEXT_TIMINGS,
      model: TEXT_MODEL,
    });
    expect(store.keys()).toEqual(['results/detect/team/photo 1.jpg.json']);
  });

  it('never becomes a pair, however many images the detect folder holds', async () => {
    const first = store.upload('incoming/detect/a.jpg', 'face:ann');
    store.upload('incoming/detect/b.jpg', 'blank');
    expect(await run(first)).toBe('Written');
    expect(store.keys()).toEqual(['incoming/detect/b.jpg', 'results/detect/a.jpg.json']);
  });

  it('replaces the result of an earlier upload under the same name, and skips the earlier event', async () => {
    const first = store.upload('incoming/detect/a.jpg', 'face:ann');
    await run(first);
    const second = store.upload('incoming/detect/a.jpg', 'blank');
    expect(await run(first)).toBe('Stale');
    expect(await run(second)).toBe('Written');
    expect(store.json('results/detect/a.jpg.json')).toMatchObject({ eTags: [second.eTag], faces: [] });
  });

  it('reports a file that is not an image', async () => {
    const text = store.upload('incoming/detect/notes.txt', 'hello');
    await run(text);
    expect(store.json('results/detect/notes.txt.json')).toEqual({
      keys: [text.key],
      eTags: [text.eTag],
      completedAt: AT,
      error: { code: 'UnsupportedMediaType', message: 'The upload is not an image.', key: text.key },
    });
  });
});

describe('other keys', () => {
  it('reports a file directly under incoming/ as NotInAPair', async () => {
    const stray = store.upload('incoming/photo.jpg', 'face:ann');
    expect(await run(stray)).toBe('Rejected');
    expect(store.json('results/rejected/photo.jpg.json')).toMatchObject({
      keys: [stray.key],
      error: { code: 'NotInAPair', key: stray.key },
    });
    expect(store.keys()).toEqual(['results/rejected/photo.jpg.json']);
  });

  it('ignores folder markers and does not count them as files of a pair', async () => {
    const marker = store.upload('incoming/p1/', '');
    expect(await run(marker)).toBe('Ignored');
    expect(await run(store.upload('incoming/p1/a.jpg', 'face:ann'))).toBe('Waiting');
    expect(await run(store.upload('incoming/p1/b.jpg', 'face:ann'))).toBe('Written');
    expect(store.keys()).toEqual(['incoming/p1/', 'results/p1.json']);
  });
});
