/** The photo-size path: direct, shrunk, uploaded, and retried after ImageTooLarge; without a browser. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/errors.ts';
import { budgetPerImage, DIRECT_LIMIT_BYTES, fitWithin, shrinkFor } from '../../web/src/limits.ts';
import { type PrepareDeps, prepareImage, sentNote } from '../../web/src/prepare.ts';
import { sendPhotos } from '../../web/src/send.ts';

const bytes = (n: number, type = 'image/jpeg') => new Blob([new Uint8Array(n)], { type });

describe('limits', () => {
  it('keeps base64 of a whole request under API Gateway’s 6 MB', () => {
    expect((DIRECT_LIMIT_BYTES * 4) / 3).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(budgetPerImage(1)).toBe(DIRECT_LIMIT_BYTES);
    expect(budgetPerImage(2)).toBe(DIRECT_LIMIT_BYTES / 2);
  });

  it('fits a size within a longest side, never enlarging', () => {
    expect(fitWithin({ width: 8000, height: 6000 }, 4000)).toEqual({ width: 4000, height: 3000 });
    expect(fitWithin({ width: 3000, height: 4000 }, 1000)).toEqual({ width: 750, height: 1000 });
    expect(fitWithin({ width: 640, height: 480 }, 4000)).toEqual({ width: 640, height: 480 });
  });

  it('shrinks by about √(budget / bytes), and always by at least 10 %', () => {
    expect(shrinkFor({ width: 4000, height: 3000 }, 8_000_000, 2_000_000)).toEqual({
      width: 1800,
      height: 1350,
    });
    expect(shrinkFor({ width: 1000, height: 500 }, 1_000_001, 1_000_000)).toEqual({
      width: 900,
      height: 450,
    });
  });
});

function fakeDeps(log: string[], options: { decodable?: boolean; upload?: boolean } = {}): PrepareDeps {
  const deps: PrepareDeps = {
    shrink: async (file, budget) => {
      log.push(`shrink ${file.size} to ${budget}`);
      if (options.decodable === false) throw new DOMException('cannot decode', 'InvalidStateError');
      return bytes(Math.min(file.size, budget) - 1);
    },
  };
  if (options.upload !== false) {
    deps.upload = async (file) => {
      log.push(`upload ${file.size}`);
      return { kind: 's3', s3: { bucket: 'uploads', key: 'k1' } };
    };
  }
  return deps;
}

describe('prepareImage', () => {
  it('sends a photo under budget as it is', async () => {
    const log: string[] = [];
    const file = bytes(1000);
    const prepared = await prepareImage(file, { budget: 2000 }, fakeDeps(log));
    expect(prepared).toEqual({ payload: { kind: 'bytes', blob: file }, display: file, resized: false });
    expect(log).toEqual([]);
  });

  it('shrinks a photo over budget, and shows what it sends', async () => {
    const log: string[] = [];
    const prepared = await prepareImage(bytes(5000), { budget: 2000 }, fakeDeps(log));
    expect(prepared.resized).toBe(true);
    expect(prepared.payload.kind === 'bytes' && prepared.payload.blob).toBe(prepared.display);
    expect(prepared.display.size).toBe(1999);
    expect(log).toEqual(['shrink 5000 to 2000']);
  });

  it('uploads what the browser cannot decode, and shows the original', async () => {
    const log: string[] = [];
    const file = bytes(5000, 'image/heic');
    const prepared = await prepareImage(file, { budget: 2000 }, fakeDeps(log, { decodable: false }));
    expect(prepared).toEqual({
      payload: { kind: 's3', s3: { bucket: 'uploads', key: 'k1' } },
      display: file,
      resized: false,
    });
    expect(log).toEqual(['shrink 5000 to 2000', 'upload 5000']);
  });

  it('says in the caption how a photo travelled, when not as chosen', () => {
    const blob = bytes(1);
    expect(sentNote({ payload: { kind: 'bytes', blob }, display: blob, resized: false })).toBe('');
    expect(sentNote({ payload: { kind: 'bytes', blob }, display: blob, resized: true })).toMatch(
      /shrunk in your browser/,
    );
    expect(
      sentNote({ payload: { kind: 's3', s3: { bucket: 'b', key: 'k' } }, display: blob, resized: false }),
    ).toMatch(/upload/);
    expect(sentNote(undefined)).toBe('');
  });

  it('fails when it can neither shrink nor upload', async () => {
    await expect(
      prepareImage(bytes(5000), { budget: 2000 }, fakeDeps([], { decodable: false, upload: false })),
    ).rejects.toThrow('cannot decode');
  });
});

describe('sendPhotos', () => {
  it('gives each photo of a pair half the budget', async () => {
    const log: string[] = [];
    const big = bytes(DIRECT_LIMIT_BYTES - 10);
    const small = bytes(100);
    const sent = await sendPhotos([big, small], async (p) => p.map((x) => x.display.size), fakeDeps(log));
    expect(log).toEqual([`shrink ${big.size} to ${DIRECT_LIMIT_BYTES / 2}`]);
    expect(sent.result).toEqual([DIRECT_LIMIT_BYTES / 2 - 1, 100]);
  });

  it('shrinks and retries once the photo the API finds too large', async () => {
    const log: string[] = [];
    const stages: string[] = [];
    let calls = 0;
    const sent = await sendPhotos(
      [bytes(1000), bytes(2000)],
      async (prepared) => {
        calls++;
        if (calls === 1) throw new ApiError('ImageTooLarge', '50 megapixels', 413, 'target');
        return prepared.map((p) => p.resized);
      },
      fakeDeps(log),
      (stage) => stages.push(stage),
    );
    expect(sent.result).toEqual([false, true]);
    expect(log).toEqual([`shrink 2000 to ${DIRECT_LIMIT_BYTES / 2}`]);
    expect(stages).toEqual(['preparing', 'sending', 'preparing', 'sending']);
  });

  it('does not retry other errors, or a photo it already shrank', async () => {
    const noFace = new ApiError('NoFaceDetected', 'none', 422);
    await expect(sendPhotos([bytes(10)], async () => Promise.reject(noFace), fakeDeps([]))).rejects.toBe(
      noFace,
    );
    let calls = 0;
    const tooLarge = new ApiError('ImageTooLarge', 'big', 413);
    await expect(
      sendPhotos(
        [bytes(DIRECT_LIMIT_BYTES + 1)],
        async () => {
          calls++;
          throw tooLarge;
        },
        fakeDeps([]),
      ),
    ).rejects.toBe(tooLarge);
    expect(calls).toBe(1);
  });
});
