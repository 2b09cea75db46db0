import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../functions/core/compare.ts';
import { DEFAULT_MODELS, engineModels, FaceEngine } from '../../functions/core/engine.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import { iou } from '../../functions/core/geometry.ts';
import { matchFaces } from '../../functions/core/match.ts';
import type { Box, EmbeddedFace, Face } from '../../functions/core/types.ts';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { engineConfig } from '../../functions/shared/runtime-config.ts';
import { noiseBytes } from './fixtures.ts';

const DEMO = 'node_modules/@vladmandic/face-api/demo';
/** A CFP profile, tilted about 30°, that fills its photo: upright, RetinaFace scores it 0.1 at most. */
const TILTED_PROFILE = new URL('../../../shared/data/cfp-dev/images/331/profile/03.jpg', import.meta.url);
const hasCfp = existsSync(TILTED_PROFILE);
if (!hasCfp) console.warn(`tilted-profile test skipped: no CFP data at ${TILTED_PROFILE.pathname}`);
let engine: FaceEngine;
let group: Uint8Array;

/** A JPEG of one region of a photo, enlarged around it. */
async function cropJpeg(bytes: Uint8Array, box: Box, pad = 0.6): Promise<Uint8Array> {
  const meta = await sharp(bytes).metadata();
  const left = Math.max(0, Math.round(box.x - box.width * pad));
  const top = Math.max(0, Math.round(box.y - box.height * pad));
  const width = Math.min((meta.width ?? 0) - left, Math.round(box.width * (1 + 2 * pad)));
  const height = Math.min((meta.height ?? 0) - top, Math.round(box.height * (1 + 2 * pad)));
  return sharp(bytes).extract({ left, top, width, height }).jpeg().toBuffer();
}

beforeAll(async () => {
  engine = await FaceEngine.load();
  group = await readFile(`${DEMO}/sample1.jpg`);
});

describe('FaceEngine', () => {
  it('reports its models with roles and versions, the fused embedders with their weights', () => {
    expect(engine.models.map((m) => m.role).sort()).toEqual([
      'detector',
      'embedder',
      'embedder',
      'landmarks',
    ]);
    for (const m of engine.models) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    const parts = engine.models.filter((m) => m.role === 'embedder');
    expect(parts.map((m) => m.name).join('+')).toBe(DEFAULT_MODELS.embedder);
    expect(parts.reduce((sum, m) => sum + (m.weight ?? 0), 0)).toBeCloseTo(1, 9);
    expect(engine.threshold).toBeGreaterThan(0);
    expect(engine.threshold).toBeLessThan(1);
    // Pairs with a face in profile score lower, so their threshold is lower.
    expect(engine.calibration.profile?.threshold).toBeLessThan(engine.threshold);
  });

  it('finds every face of a group photo, largest first, with landmarks inside each box', async () => {
    const result = await engine.detect(group);
    expect(result.width).toBe(1920);
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    const areas = result.faces.map((f) => f.box.width * f.box.height);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    for (const { box, landmarks, score } of result.faces) {
      expect(score).toBeGreaterThanOrEqual(0.7);
      expect(landmarks.leftEye[0]).toBeLessThan(landmarks.rightEye[0]);
      expect(landmarks.leftEye[1]).toBeLessThan(landmarks.mouthLeft[1]);
      for (const [x, y] of Object.values(landmarks)) {
        expect(x).toBeGreaterThan(box.x - box.width * 0.2);
        expect(x).toBeLessThan(box.x + box.width * 1.2);
        expect(y).toBeGreaterThan(box.y - box.height * 0.2);
        expect(y).toBeLessThan(box.y + box.height * 1.2);
      }
    }
  });

  it("orders the detector's own five landmarks as LANDMARK_NAMES says, before refinement", async () => {
    const image = await engine.decode(group);
    const faces = await engine.detector.detect(image);
    expect(faces.length).toBeGreaterThanOrEqual(3);
    for (const { leftEye, rightEye, nose, mouthLeft, mouthRight } of faces.map((f) => f.landmarks)) {
      expect(leftEye[0]).toBeLessThan(rightEye[0]);
      expect(mouthLeft[0]).toBeLessThan(mouthRight[0]);
      expect(Math.max(leftEye[1], rightEye[1])).toBeLessThan(nose[1]);
      expect(nose[1]).toBeLessThan(Math.min(mouthLeft[1], mouthRight[1]));
    }
  });

  it('honours maxFaces and minScore', async () => {
    expect((await engine.detect(group, { maxFaces: 1 })).faces).toHaveLength(1);
    expect((await engine.detect(group, { minScore: 0.9999 })).faces.length).toBeLessThan(
      (await engine.detect(group)).faces.length,
    );
  });

  it('returns each face aligned as a PNG crop of the embedder size', async () => {
    const result = await engine.detect(group, { crops: true, maxFaces: 2 });
    expect(result.crops).toHaveLength(2);
    const meta = await sharp(result.crops?.[0] as Uint8Array).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 150, 150]);
  });

  it('gives coordinates of the upright photo when EXIF says the pixels are rotated', async () => {
    const upright = await sharp(group).resize(960).jpeg().toBuffer();
    // Pixels stored rotated 90° counter-clockwise; orientation 6 tells viewers to turn them clockwise.
    const stored = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const [a, b] = await Promise.all([engine.detect(upright), engine.detect(stored)]);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.faces.length).toBe(a.faces.length);
    for (const face of a.faces) {
      expect(Math.max(...b.faces.map((f) => iou(f.box, face.box)))).toBeGreaterThan(0.7);
    }
  });

  it('a photo without a face is an answer to detect and a typed error to verify, naming the image', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#7a9' } })
      .png()
      .toBuffer();
    expect((await engine.detect(blank)).faces).toEqual([]);
    const error = await engine.verify(group, blank).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceVerifyError);
    expect((error as FaceVerifyError).toJSON()).toMatchObject({ code: 'NoFaceDetected', image: 'target' });
  });

  it('decides, and picks the best target face, on the exact similarity, rounded only in the answer', () => {
    const landmarks: Face['landmarks'] = {
      leftEye: [30, 40],
      rightEye: [70, 40],
      nose: [50, 60],
      mouthLeft: [35, 80],
      mouthRight: [65, 80],
    };
    const face = (x: number) => ({
      box: { x, y: 0, width: 100, height: 100 },
      score: 0.99,
      landmarks,
      detected: landmarks,
    });
    const unit = (cos: number) => Float32Array.of(cos, Math.sqrt(1 - cos * cos));
    const source = { faces: [face(0)], embeddings: [unit(1)] };
    const target = { faces: [face(0), face(200)], embeddings: [unit(0.49996), unit(0.49998)] };
    const result = engine.compare(source, target, { threshold: 0.5, allTargetFaces: true });
    expect(result).toMatchObject({ match: false, similarity: 0.5, threshold: 0.5 });
    expect(result.target.box.x).toBe(200);
  });

  it('names the image of a pair that cannot be decoded, the source first when neither can', async () => {
    const broken = noiseBytes(4096);
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => expect.unreachable(),
        (e: FaceVerifyError) => e.toJSON(),
      );
    expect(await failure(engine.verify(broken, group))).toMatchObject({
      code: 'InvalidImage',
      image: 'source',
    });
    expect(await failure(engine.verify(group, tiny))).toMatchObject({
      code: 'ImageTooSmall',
      image: 'target',
    });
    expect(await failure(engine.verify(tiny, broken))).toMatchObject({
      code: 'ImageTooSmall',
      image: 'source',
    });
    expect(await failure(engine.prepare(broken, 'target'))).toMatchObject({ image: 'target' });
  });

  it("embeds a photo's subject as verify compares it: the same face, embedding and pose, unit length", async () => {
    const [embedded, prepared] = await Promise.all([
      engine.embedImage(group),
      engine.prepare(group, 'source'),
    ]);
    expect([embedded.width, embedded.height]).toEqual([1920, expect.any(Number)]);
    expect(embedded.faces).toHaveLength(1);
    expect(embedded.unembeddedFaces).toEqual([]);
    const [face] = embedded.faces as [EmbeddedFace];
    expect(face.box).toEqual(prepared.faces[0]?.box);
    expect(face.landmarks).toEqual(prepared.faces[0]?.landmarks);
    expect(face.embedding).toEqual(prepared.embeddings[0]);
    expect(Math.hypot(...face.embedding)).toBeCloseTo(1, 5);
    expect(face.pose).toBe('frontal');
    expect(embedded.timings.total).toBeGreaterThan(0);
    expect(embedded.timings.embed).toBeGreaterThan(0);
  });

  it('embeds every face, largest first, up to maxFaces, listing the others unembedded', async () => {
    const { faces } = await engine.detect(group);
    const every = await engine.embedImage(group, { faces: 'every' });
    expect(every.faces.map((f) => f.box)).toEqual(faces.map((f) => f.box));
    const two = await engine.embedImage(group, { faces: 'every', maxFaces: 2 });
    expect(two.faces.map((f) => f.box)).toEqual(faces.slice(0, 2).map((f) => f.box));
    expect(two.unembeddedFaces.map((f) => f.box)).toEqual(faces.slice(2).map((f) => f.box));
    // Embedded in one batch or on its own, a face gets the same embedding.
    expect(cosineSimilarity(two.faces[1]?.embedding ?? [], every.faces[1]?.embedding ?? [])).toBeCloseTo(
      1,
      5,
    );
    // Different people.
    expect(cosineSimilarity(two.faces[0]?.embedding ?? [], two.faces[1]?.embedding ?? [])).toBeLessThan(
      engine.threshold,
    );
  });

  it('answers a photo without a face with no faces, not an error', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#7a9' } })
      .png()
      .toBuffer();
    for (const faces of ['subject', 'every'] as const) {
      expect(await engine.embedImage(blank, { faces })).toMatchObject({
        width: 400,
        faces: [],
        unembeddedFaces: [],
      });
    }
    await expect(engine.embedImage(noiseBytes(4096))).rejects.toMatchObject({ code: 'InvalidImage' });
  });

  it("matches embedded faces as verify does: the matcher's verdict and far are verify's", async () => {
    const { faces } = await engine.detect(group);
    const first = await cropJpeg(group, (faces[0] as { box: Box }).box);
    const mirrored = await sharp(first).flop().resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer();
    const [a, b, verdict] = await Promise.all([
      engine.embedImage(first),
      engine.embedImage(mirrored),
      engine.verify(first, mirrored),
    ]);
    const [decision] = matchFaces(engine.calibration, a.faces[0] as EmbeddedFace, b.faces as EmbeddedFace[]);
    expect(decision).toMatchObject({
      match: verdict.match,
      threshold: verdict.threshold,
      pose: verdict.pose,
    });
    expect(Math.round((decision?.similarity ?? 0) * 1e4) / 1e4).toBe(verdict.similarity);
    expect(Number(decision?.far.toPrecision(2))).toBe(verdict.far);
  });

  it.skipIf(!hasCfp)(
    'finds a tilted profile by turning the photo, with its landmarks on the upright photo',
    async () => {
      const bytes = await readFile(TILTED_PROFILE);
      const image = await engine.decode(bytes);
      expect(await engine.detector.detect(image, { minScore: 0.7 })).toEqual([]);
      const [face] = await engine.pairFaces(image, 'target', false);
      expect(face?.score).toBeGreaterThan(0.9);
      const { leftEye, rightEye, mouthLeft, mouthRight, nose } = (face as Face).landmarks;
      for (const [x, y] of [leftEye, rightEye, nose, mouthLeft, mouthRight]) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(image.width);
        expect(y).toBeLessThan(image.height);
      }
      // The eyes lie above the mouth in the upright photo, tilted as the head is, not as a turned copy.
      expect((leftEye[1] + rightEye[1]) / 2).toBeLessThan((mouthLeft[1] + mouthRight[1]) / 2);
      expect((await engine.verify(bytes, bytes)).match).toBe(true);
      const embedded = await engine.embedImage(bytes);
      expect(embedded.faces.map((f) => [f.box, f.pose])).toEqual([[(face as Face).box, 'profile']]);
    },
  );

  it('matches the same face across a mirrored, rescaled copy and separates two different people', async () => {
    const { faces } = await engine.detect(group);
    const first = await cropJpeg(group, (faces[0] as { box: Box }).box);
    const second = await cropJpeg(group, (faces[1] as { box: Box }).box);
    const mirrored = await sharp(first).flop().resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer();
    const same = await engine.verify(first, mirrored);
    expect(same.match).toBe(true);
    expect(same.similarity).toBeGreaterThanOrEqual(same.threshold);
    const different = await engine.verify(first, second);
    expect(different.match).toBe(false);
    expect(different.similarity).toBeLessThan(different.threshold);
    expect(different.threshold).toBe(engine.threshold);
    const strict = await engine.verify(first, mirrored, { threshold: 0.99999 });
    expect([strict.match, strict.threshold]).toEqual([false, 0.99999]);
  });

  it('finds the source face among every target face (allTargetFaces)', async () => {
    const { faces } = await engine.detect(group);
    const second = faces[1] as { box: Box };
    const result = await engine.verify(await cropJpeg(group, second.box), group, { allTargetFaces: true });
    expect(result.match).toBe(true);
    expect(result.faceMatches).toHaveLength(1);
    expect(iou(result.faceMatches?.[0]?.face.box as Box, second.box)).toBeGreaterThan(0.6);
    expect(result.unmatchedFaces).toHaveLength(faces.length - 1);
    expect(iou(result.target.box, second.box)).toBeGreaterThan(0.6);
  });

  it('loads the detector FACEVERIFY_DETECTOR names, and refuses a model that is not a detector', async () => {
    const detectorOf = (e: FaceEngine) => e.models.find((m) => m.role === 'detector')?.name;
    expect(detectorOf(engine)).toBe(DEFAULT_MODELS.detector);
    const config = engineConfig({ [ENVIRONMENT.detector]: 'facemesh-detection-full' });
    const other = await FaceEngine.load(config);
    expect(detectorOf(other)).toBe('facemesh-detection-full');
    // What /health reports without loading any model: the same list.
    expect(await engineModels(config)).toEqual(other.models);
    expect((await other.detect(group)).faces.length).toBeGreaterThan(0);
    await expect(FaceEngine.load({ detector: 'dlib-resnet' })).rejects.toThrow(
      'dlib-resnet is not a detector',
    );
  });

  it('reads no environment: the default engine whatever FACEVERIFY_DETECTOR says', async () => {
    process.env[ENVIRONMENT.detector] = 'dlib-resnet';
    try {
      expect((await engineModels()).find((m) => m.role === 'detector')?.name).toBe(DEFAULT_MODELS.detector);
    } finally {
      delete process.env[ENVIRONMENT.detector];
    }
  });
});

describe('MTCNN as the detector', () => {
  let mtcnn: FaceEngine;
  beforeAll(async () => {
    mtcnn = await FaceEngine.load({ detector: 'mtcnn' });
    // What /health reports without loading any model.
    expect(await engineModels({ detector: 'mtcnn' })).toEqual(mtcnn.models);
  });

  it('loads by the name mtcnn, its three nets behind one detector entry', () => {
    expect(mtcnn.models.find((m) => m.role === 'detector')?.name).toBe('mtcnn');
    expect(mtcnn.detector.name).toBe('mtcnn');
  });

  it("finds the group photo's faces with onet's five landmarks inside each box, in LANDMARK_NAMES order", async () => {
    const image = await mtcnn.decode(group);
    const faces = await mtcnn.detector.detect(image);
    const reference = await engine.detector.detect(image);
    expect(faces.length).toBe(reference.length);
    for (const { box, landmarks, score } of faces) {
      expect(score).toBeGreaterThanOrEqual(0.7);
      // The same face RetinaFace finds.
      expect(Math.max(...reference.map((r) => iou(r.box, box)))).toBeGreaterThan(0.7);
      const { leftEye, rightEye, nose, mouthLeft, mouthRight } = landmarks;
      expect(leftEye[0]).toBeLessThan(rightEye[0]);
      expect(mouthLeft[0]).toBeLessThan(mouthRight[0]);
      expect(Math.min(leftEye[1], rightEye[1])).toBeLessThan(nose[1]);
      expect(nose[1]).toBeLessThan(Math.max(mouthLeft[1], mouthRight[1]));
      for (const [x, y] of Object.values(landmarks)) {
        expect(x).toBeGreaterThan(box.x);
        expect(x).toBeLessThan(box.x + box.width);
        expect(y).toBeGreaterThan(box.y);
        expect(y).toBeLessThan(box.y + box.height);
      }
    }
  });

  it('finds no face in a photo without one', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#7a9' } })
      .png()
      .toBuffer();
    const noise = await sharp(noiseBytes(320 * 240 * 3), { raw: { width: 320, height: 240, channels: 3 } })
      .png()
      .toBuffer();
    expect((await mtcnn.detect(blank)).faces).toEqual([]);
    expect((await mtcnn.detect(noise)).faces).toEqual([]);
  });

  it('verifies with it: a face matches its mirrored copy', async () => {
    const { faces } = await mtcnn.detect(group);
    const first = await cropJpeg(group, (faces[0] as { box: Box }).box);
    const mirrored = await sharp(first).flop().resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer();
    expect((await mtcnn.verify(first, mirrored)).match).toBe(true);
  });
});
