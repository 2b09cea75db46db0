import { describe, expect, it } from 'vitest';
import {
  cropLevel,
  onetLandmarks,
  pnetProposals,
  pyramidScales,
  regressBox,
  squareBox,
  suppress,
} from '../../../functions/core/detectors/mtcnn.ts';
import { intersectionOverMin } from '../../../functions/core/geometry.ts';

/** The catalog's settings for MTCNN. */
const CASCADE = {
  window: { size: 12, stride: 2 },
  pyramidFactor: 0.709,
  thresholds: [0.6, 0.7, 0.7],
} as const;

describe('pyramidScales', () => {
  it('scales a minFace face to 12 px, then shrinks by 0.709 while the face fits the shorter side', () => {
    // Faces 20, 28.2, 39.8, 56.1, 79.2 px fit 80 px; 111.6 does not.
    const scales = pyramidScales(100, 80, 20, CASCADE);
    expect(scales).toHaveLength(5);
    for (const [k, s] of scales.entries()) expect(s).toBeCloseTo(0.6 * 0.709 ** k, 12);
    expect(pyramidScales(100, 19, 20, CASCADE)).toEqual([]);
    expect(pyramidScales(12, 12, 12, CASCADE)).toEqual([1]);
    // A 24 px window at a step of 0.5: faces 24, 48, 96 px.
    expect(pyramidScales(100, 100, 24, { window: { size: 24, stride: 4 }, pyramidFactor: 0.5 })).toEqual([
      1, 0.5, 0.25,
    ]);
  });
});

describe('pnetProposals', () => {
  // 3 columns × 2 rows, row-major; two values (background, face) and four regressions a cell.
  const scores = new Array<number>(12).fill(0);
  const regressions = new Array<number>(24).fill(0);
  const cell = (x: number, y: number) => y * 3 + x;
  scores[cell(2, 1) * 2 + 1] = 0.9;
  scores[cell(0, 0) * 2 + 1] = 0.6; // not above pnet's 0.6
  scores[cell(1, 0) * 2] = 0.99; // a background probability, never read as a face
  regressions.splice(cell(2, 1) * 4, 4, 0.1, 0.2, -0.1, -0.2);
  const map = { columns: 3, rows: 2, scores, regressions };

  it("maps each cell's 12 px window at stride 2 back through the level's scale", () => {
    const out = pnetProposals(map, 0.5, CASCADE);
    expect(out).toHaveLength(1);
    // Cell (2, 1) at scale 0.5: x 4 → 8, x 15 → 30, y 2 → 4, y 13 → 26 (inclusive pixel corners).
    expect(out[0]?.box).toEqual({ x: 8, y: 4, width: 23, height: 23 });
    expect(out[0]?.score).toBe(0.9);
    expect(out[0]?.regression).toEqual([0.1, 0.2, -0.1, -0.2]);
  });

  it("reads the window's size and stride from the settings", () => {
    // Cell (2, 1) of a 24 px window at stride 4, scale 1: x 8–31, y 4–27.
    const [p] = pnetProposals(map, 1, { ...CASCADE, window: { size: 24, stride: 4 } });
    expect(p?.box).toEqual({ x: 8, y: 4, width: 24, height: 24 });
  });

  it("keeps cells strictly above pnet's threshold", () => {
    expect(pnetProposals(map, 1, { ...CASCADE, thresholds: [0.5, 0.7, 0.7] }).map((p) => p.box)).toEqual([
      { x: 0, y: 0, width: 12, height: 12 },
      { x: 4, y: 2, width: 12, height: 12 },
    ]);
  });
});

describe('box steps', () => {
  const box = { x: 10, y: 20, width: 100, height: 50 };

  it('moves each corner by its regression times the width or height (Box.calibrate)', () => {
    // x2 (inclusive) 109 − 10 = 99, y2 69 + 10 = 79.
    const out = regressBox(box, [0.1, -0.2, -0.1, 0.2]);
    expect(out.x).toBeCloseTo(20, 12);
    expect(out.y).toBeCloseTo(10, 12);
    expect(out.width).toBeCloseTo(80, 12);
    expect(out.height).toBeCloseTo(70, 12);
    expect(regressBox(box, [0, 0, 0, 0])).toEqual(box);
  });

  it('squares a box on its centre with its longer side (Box.toSquareShape)', () => {
    expect(squareBox(box)).toEqual({ x: 10, y: -5, width: 100, height: 100 });
    expect(squareBox({ x: 0, y: 0, width: 10, height: 30 })).toEqual({ x: -10, y: 0, width: 30, height: 30 });
  });

  it("places onet's landmarks (five x, then five y) in the box it saw", () => {
    const points = onetLandmarks(box, [0.3, 0.7, 0.5, 0.35, 0.65, 0.4, 0.4, 0.6, 0.8, 0.8]);
    expect(points).toHaveLength(5);
    expect(points[0]?.map((v) => Number(v.toFixed(9)))).toEqual([40, 40]);
    expect(points[1]?.map((v) => Number(v.toFixed(9)))).toEqual([80, 40]);
    expect(points[4]?.map((v) => Number(v.toFixed(9)))).toEqual([75, 60]);
  });
});

describe('suppress', () => {
  const a = { box: { x: 0, y: 0, width: 40, height: 40 }, score: 0.8, regression: [0, 0, 0, 0] as const };
  const inner = { ...a, box: { x: 5, y: 5, width: 20, height: 20 }, score: 0.9 };
  const far = { ...a, box: { x: 100, y: 0, width: 40, height: 40 }, score: 0.7 };

  it('keeps the proposals NMS keeps, best first, by IoU or by overlap over the smaller box', () => {
    expect(suppress([a, inner, far], 0.7)).toEqual([inner, a, far]);
    expect(suppress([a, inner, far], 0.7, intersectionOverMin)).toEqual([inner, far]);
  });
});

describe('cropLevel', () => {
  const levels = [{ scale: 1 }, { scale: 0.6 }, { scale: 0.3 }, { scale: 0.15 }];

  it('cuts from the smallest level that still holds the box at the crop size', () => {
    expect(cropLevel(levels, { x: 0, y: 0, width: 100, height: 100 }, 24)).toEqual({ scale: 0.3 });
    expect(cropLevel(levels, { x: 0, y: 0, width: 100, height: 160 }, 24)).toEqual({ scale: 0.15 });
    expect(cropLevel(levels, { x: 0, y: 0, width: 80, height: 80 }, 48)).toEqual({ scale: 0.6 });
  });

  it('falls back to the full-size level for a box smaller than the crop', () => {
    expect(cropLevel(levels, { x: 0, y: 0, width: 30, height: 30 }, 48)).toEqual({ scale: 1 });
  });
});
