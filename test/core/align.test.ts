import { describe, expect, it } from 'vitest';
import { ARCFACE_TEMPLATE_112, alignFace, turnImage, warpAffine } from '../../functions/core/align.ts';
import { type Affine, applyAffine, invertAffine } from '../../functions/core/geometry.ts';
import { LANDMARK_NAMES, type Landmarks, type Point, type RgbImage } from '../../functions/core/types.ts';
import { paint, pixel, WHITE } from './fixtures.ts';

/** A black image with one white pixel. */
function marker(width: number, height: number, x: number, y: number): RgbImage {
  return paint(width, height, (px, py) => (px === x && py === y ? WHITE : [0, 0, 0]));
}

/** A smooth pattern, so resampling changes it little. */
function pattern(width: number, height: number): RgbImage {
  return paint(width, height, (x, y) => [
    (x * 2) % 256,
    (y * 2) % 256,
    Math.round(128 + 100 * Math.sin(x / 9) * Math.cos(y / 13)),
  ]);
}

function sum(image: RgbImage): number {
  return image.data.reduce((total, value) => total + value, 0);
}

function toLandmarks(points: readonly Point[]): Landmarks {
  return Object.fromEntries(LANDMARK_NAMES.map((name, i) => [name, points[i]])) as unknown as Landmarks;
}

/** Largest and mean absolute channel difference over the pixels at least `margin` from the border. */
function difference(a: RgbImage, b: RgbImage, margin: number): { max: number; mean: number } {
  let max = 0;
  let total = 0;
  let count = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let x = margin; x < a.width - margin; x++) {
      const p = pixel(a, x, y);
      const q = pixel(b, x, y);
      for (let ch = 0; ch < 3; ch++) {
        const d = Math.abs((p[ch] as number) - (q[ch] as number));
        max = Math.max(max, d);
        total += d;
        count++;
      }
    }
  }
  return { max, mean: total / count };
}

describe('warpAffine', () => {
  it('returns the image unchanged under the identity', () => {
    const image = pattern(30, 20);
    expect(warpAffine(image, [1, 0, 0, 0, 1, 0], 30, 20)).toEqual(image);
  });

  it('moves a marker by a translation', () => {
    // Output (x, y) samples source (x + 3, y − 2), so source (5, 7) lands at (2, 9).
    const out = warpAffine(marker(20, 20, 5, 7), [1, 0, 3, 0, 1, -2], 20, 20);
    expect(pixel(out, 2, 9)).toEqual(WHITE);
    expect(sum(out)).toBe(3 * 255);
  });

  it('moves a marker by a quarter turn', () => {
    // Output (x, y) samples source (y, 19 − x), so source (5, 7) lands at (12, 5).
    const out = warpAffine(marker(20, 20, 5, 7), [0, 1, 0, -1, 0, 19], 20, 20);
    expect(pixel(out, 12, 5)).toEqual(WHITE);
    expect(sum(out)).toBe(3 * 255);
  });

  it('interpolates bilinearly between pixel centres', () => {
    // Doubling: output (x, y) samples source (x / 2, y / 2).
    const out = warpAffine(marker(20, 20, 5, 7), [0.5, 0, 0, 0, 0.5, 0], 40, 40);
    expect(pixel(out, 10, 14)).toEqual([255, 255, 255]); // source (5, 7)
    expect(pixel(out, 11, 14)).toEqual([128, 128, 128]); // (5.5, 7): half the marker
    expect(pixel(out, 11, 15)).toEqual([64, 64, 64]); // (5.5, 7.5): a quarter
    expect(pixel(out, 12, 14)).toEqual([0, 0, 0]); // (6, 7)
  });

  it('treats everything outside the source as black', () => {
    const white = paint(10, 10, () => WHITE);
    const shifted = warpAffine(white, [1, 0, -0.5, 0, 1, -0.5], 10, 10);
    expect(pixel(shifted, 0, 0)).toEqual([64, 64, 64]); // (−0.5, −0.5): one of four neighbours inside
    expect(pixel(shifted, 0, 5)).toEqual([128, 128, 128]); // (−0.5, 4.5): two of four
    expect(pixel(shifted, 5, 5)).toEqual(WHITE);
    expect(sum(warpAffine(white, [1, 0, 100, 0, 1, 0], 10, 10))).toBe(0);
    expect(pixel(warpAffine(white, [1, 0, 9.5, 0, 1, 0], 10, 10), 0, 3)).toEqual([128, 128, 128]); // (9.5, 3)
  });
});

describe('alignFace', () => {
  it('gives back the same crop when the landmarks already sit on the template', () => {
    const image = pattern(112, 112);
    const { crop, transform } = alignFace(
      image,
      toLandmarks(ARCFACE_TEMPLATE_112.points),
      ARCFACE_TEMPLATE_112,
    );
    transform.forEach((value, i) => {
      expect(value).toBeCloseTo([1, 0, 0, 0, 1, 0][i] as number, 9);
    });
    expect(difference(crop, image, 0).max).toBeLessThanOrEqual(1);
  });

  it('undoes a rotation, scaling and shift of the face', () => {
    const face = pattern(112, 112);
    const angle = (30 * Math.PI) / 180;
    const faceToPhoto: Affine = [
      1.5 * Math.cos(angle),
      -1.5 * Math.sin(angle),
      150,
      1.5 * Math.sin(angle),
      1.5 * Math.cos(angle),
      30,
    ];
    const photo = warpAffine(face, invertAffine(faceToPhoto), 400, 300);
    const landmarks = toLandmarks(ARCFACE_TEMPLATE_112.points.map((p) => applyAffine(faceToPhoto, p)));

    const { crop, transform } = alignFace(photo, landmarks, ARCFACE_TEMPLATE_112);

    expect([crop.width, crop.height]).toEqual([112, 112]);
    for (const name of LANDMARK_NAMES) {
      const [x, y] = applyAffine(transform, landmarks[name]);
      const [tx, ty] = ARCFACE_TEMPLATE_112.points[LANDMARK_NAMES.indexOf(name)] as Point;
      expect(x).toBeCloseTo(tx, 9);
      expect(y).toBeCloseTo(ty, 9);
    }
    const { max, mean } = difference(crop, face, 2);
    expect(mean).toBeLessThan(0.25);
    expect(max).toBeLessThanOrEqual(2);
  });

  it('uses the standard InsightFace 112×112 template, image-left eye first', () => {
    expect(ARCFACE_TEMPLATE_112.size).toEqual([112, 112]);
    expect(ARCFACE_TEMPLATE_112.points).toEqual([
      [38.2946, 51.6963],
      [73.5318, 51.5014],
      [56.0252, 71.7366],
      [41.5493, 92.3655],
      [70.7299, 92.2041],
    ]);
  });
});

describe('turnImage', () => {
  it('turns clockwise on screen: a quarter turn takes the top-left pixel to the top-right', () => {
    const { image, toImage } = turnImage(marker(4, 2, 0, 0), 90);
    expect([image.width, image.height]).toEqual([2, 4]);
    expect(pixel(image, 1, 0)).toEqual(WHITE);
    expect(sum(image)).toBe(3 * 255);
    const [x, y] = applyAffine(toImage, [1, 0]);
    expect(x).toBeCloseTo(0, 12);
    expect(y).toBeCloseTo(0, 12);
  });

  it('keeps the whole photo on the canvas at any angle, and maps each pixel back to where it was', () => {
    const source = marker(40, 30, 33, 4);
    for (const degrees of [-30, 17, 30, 135]) {
      const { image, toImage } = turnImage(source, degrees);
      const brightest = image.data.indexOf(Math.max(...image.data)) / 3;
      const back = applyAffine(toImage, [brightest % image.width, Math.floor(brightest / image.width)]);
      expect(Math.hypot(back[0] - 33, back[1] - 4)).toBeLessThan(1);
      const corners: Point[] = [
        [0, 0],
        [39, 0],
        [0, 29],
        [39, 29],
      ];
      for (const corner of corners) {
        const [cx, cy] = applyAffine(invertAffine(toImage), corner);
        expect(cx).toBeGreaterThanOrEqual(-0.5);
        expect(cy).toBeGreaterThanOrEqual(-0.5);
        expect(cx).toBeLessThan(image.width - 0.5 + 1e-9);
        expect(cy).toBeLessThan(image.height - 0.5 + 1e-9);
      }
    }
  });

  it('scales as it turns', () => {
    const { image, toImage } = turnImage(pattern(100, 50), 0, 0.5);
    expect([image.width, image.height]).toEqual([50, 25]);
    expect(toImage[0]).toBeCloseTo(2, 12);
  });
});
