import { describe, expect, it } from 'vitest';
import { brightness, FACE_SIDE, faceGrey, laplacianEnergy } from '../../functions/core/face-image.ts';
import {
  assessFace,
  embeddedQuality,
  embeddingSignals,
  isPoor,
  type QualityModel,
  qualityScore,
  type ScoreModel,
  sharpnessOf,
  turnRoll,
} from '../../functions/core/face-quality.ts';
import { projectFace } from '../../functions/core/head-pose.ts';
import { fiveFrom68 } from '../../functions/core/landmarks.ts';
import type { RgbImage } from '../../functions/core/types.ts';
import { qualitySignals } from './fixtures.ts';

function image(width: number, height: number, pixel: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.fill(pixel(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height };
}

const checks = (cell: number) => (x: number, y: number) =>
  (Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? 200 : 40;

describe('the face box’s pixels', () => {
  it('reads a flat grey face as its grey level, with no detail', () => {
    const grey = faceGrey(
      image(300, 300, () => 102),
      { x: 50, y: 40, width: 200, height: 220 },
    );
    expect(grey).toHaveLength(FACE_SIDE * FACE_SIDE);
    expect(brightness(grey)).toBeCloseTo(40, 6);
    expect(laplacianEnergy(grey)).toBeCloseTo(0, 6);
  });

  it('averages a large face down, so fine detail counts the same at any size', () => {
    // A checkerboard of 4-px cells in a 256-px box shrinks to 1-px cells: the most detail there is.
    const fine = laplacianEnergy(
      faceGrey(image(256, 256, checks(4)), { x: 0, y: 0, width: 256, height: 256 }),
    );
    const coarse = laplacianEnergy(
      faceGrey(image(256, 256, checks(32)), { x: 0, y: 0, width: 256, height: 256 }),
    );
    expect(fine).toBeGreaterThan(10 * coarse);
    // Cells finer than the square's pixels average away to flat grey instead of aliasing.
    const alias = faceGrey(image(256, 256, checks(1)), { x: 0, y: 0, width: 256, height: 256 });
    expect(laplacianEnergy(alias)).toBeLessThan(1);
    expect(brightness(alias)).toBeCloseTo((100 * 120) / 255, 0);
  });

  it('samples a face smaller than the square, and a box past the photo’s edge, without failing', () => {
    const small = faceGrey(image(40, 40, checks(8)), { x: 5, y: 5, width: 30, height: 30 });
    expect(Math.min(...small)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...small)).toBeLessThanOrEqual(200);
    expect(
      faceGrey(
        image(40, 40, () => 9),
        { x: 30, y: 30, width: 50, height: 50 },
      )[0],
    ).toBeCloseTo(9, 6);
    expect(
      brightness(
        faceGrey(
          image(40, 40, () => 9),
          { x: 60, y: 60, width: 5, height: 5 },
        ),
      ),
    ).toBe(0);
  });

  it('maps sharpness onto 0–100, rising with detail', () => {
    expect(sharpnessOf(0)).toBe(0);
    expect(sharpnessOf(1000)).toBeCloseTo(100 * (1 - Math.exp(-1)), 9);
    expect(sharpnessOf(1e9)).toBeCloseTo(100, 6);
    expect(sharpnessOf(400)).toBeLessThan(sharpnessOf(800));
  });
});

const photoScore: ScoreModel = {
  signals: ['yaw', 'detail'],
  mean: [10, 6],
  scale: [20, 1],
  weights: [1, -0.5],
  bias: -2,
};
const model: QualityModel = {
  version: 2,
  fittedOn: 'test',
  photo: photoScore,
  // A short raw embedding (a face the embedder cannot read) lowers the embedded score.
  embedded: {
    signals: [...photoScore.signals, 'mobilefacenet:norm'],
    mean: [...photoScore.mean, 4],
    scale: [...photoScore.scale, 0.5],
    weights: [...photoScore.weights, -2],
    bias: photoScore.bias,
  },
  poorBelow: 0.5,
  enrolmentCuts: { auto: 0.6, low: 0.4, medium: 0.5, high: 0.7 },
};

describe('the quality score', () => {
  it('is the logistic of the standardised signals, falling as a face turns', () => {
    expect(qualityScore(qualitySignals(10, 6), photoScore)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(qualityScore(qualitySignals(70, 6), photoScore)).toBeCloseTo(1 / (1 + Math.exp(-2 + 3)), 12);
    expect(qualityScore(qualitySignals(10, 4), photoScore)).toBeLessThan(
      qualityScore(qualitySignals(10, 6), photoScore),
    );
    expect(qualityScore(qualitySignals(10, 6), undefined)).toBeNaN();
  });

  it('reads an embedding signal the face lacks as its mean, and a short embedding as worse', () => {
    const face = qualitySignals(10, 6);
    expect(qualityScore(face, model.embedded)).toBeCloseTo(qualityScore(face, photoScore), 12);
    const read = (norm: number) => qualityScore({ ...face, 'mobilefacenet:norm': norm }, model.embedded);
    expect(read(4)).toBeCloseTo(qualityScore(face, photoScore), 12);
    expect(read(3)).toBeCloseTo(1 / (1 + Math.exp(-2 + 4)), 12);
    expect(read(3)).toBeLessThan(read(4.5));
  });

  it('scores an embedded face again with its view signals, keeping its sharpness and brightness', () => {
    const quality = { sharpness: 70, brightness: 45, score: 0.881 };
    const views = { mobilefacenet: { norm: 3, alignment: 4 }, 'dlib-resnet': { norm: 0.4, flip: 5 } };
    expect(embeddingSignals(views)).toEqual({
      'mobilefacenet:norm': 3,
      'mobilefacenet:alignment': 4,
      'dlib-resnet:norm': 0.4,
      'dlib-resnet:flip': 5,
    });
    const again = embeddedQuality(quality, qualitySignals(10, 6), views, model);
    expect(again).toEqual({ sharpness: 70, brightness: 45, score: 0.119 });
    expect(embeddedQuality(quality, qualitySignals(10, 6), views, undefined).score).toBeNaN();
  });

  it('calls a face poor below the model’s cut, never without a model', () => {
    expect(isPoor({ score: 0.4 }, model)).toBe(true);
    expect(isPoor({ score: 0.6 }, model)).toBe(false);
    expect(isPoor({ score: 0.1 }, undefined)).toBe(false);
  });

  it('assesses a face from its 68 points and pixels', () => {
    const points = projectFace({ yaw: 30, pitch: 0, roll: 0 }, 1.5, [150, 150]);
    const photo = image(300, 300, checks(6));
    const face = {
      box: { x: 60, y: 60, width: 180, height: 180 },
      score: 0.99,
      detected: fiveFrom68(points),
      points,
    };
    const { headPose, quality, signals: read } = assessFace(photo, face, model);
    expect(headPose.yaw).toBeCloseTo(30, 0);
    expect(read.landmarkShift).toBeCloseTo(Math.log(0.005), 6);
    expect(read.size).toBeCloseTo(Math.log(180), 9);
    expect(quality.brightness).toBeGreaterThan(40);
    expect(quality.sharpness).toBeGreaterThan(50);
    expect(quality.score).toBeCloseTo(qualityScore(read, model.photo), 3);
    const blurred = assessFace(image(300, 300, checks(60)), face, model);
    expect(blurred.quality.sharpness).toBeLessThan(quality.sharpness);
  });

  it('turns a roll by the photo’s turn within one turn', () => {
    expect(turnRoll(10, -30)).toBe(-20);
    expect(turnRoll(170, 30)).toBe(-160);
    expect(turnRoll(-170, -30)).toBe(160);
  });
});
