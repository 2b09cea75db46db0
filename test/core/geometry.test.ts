import { describe, expect, it } from 'vitest';
import {
  type Affine,
  applyAffine,
  boxArea,
  clipBox,
  faceBack,
  intersectionOverMin,
  invertAffine,
  iou,
  nmsClusters,
  nonMaxSuppression,
  rotationOnto,
  similarityTransform,
  sortLargestFirst,
  subjectFace,
  touchesEdge,
  weightedNonMaxSuppression,
} from '../../functions/core/geometry.ts';
import type { Box, Point } from '../../functions/core/types.ts';
import { noiseBytes } from './fixtures.ts';

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });

/** Deterministic noise in [-amplitude, amplitude]. */
function jitter(count: number, amplitude: number): number[] {
  return [...noiseBytes(count, 7)].map((byte) => ((byte - 127.5) / 127.5) * amplitude);
}

function expectPointClose(actual: Point, expected: Point, digits = 9): void {
  expect(actual[0]).toBeCloseTo(expected[0], digits);
  expect(actual[1]).toBeCloseTo(expected[1], digits);
}

function sumSquaredError(m: Affine, src: readonly Point[], dst: readonly Point[]): number {
  return src.reduce((sum, p, i) => {
    const [x, y] = applyAffine(m, p);
    const [u, v] = dst[i] as Point;
    return sum + (x - u) ** 2 + (y - v) ** 2;
  }, 0);
}

/** The similarity with this scale, rotation (radians) and translation. */
function similarity(scale: number, angle: number, tx: number, ty: number): Affine {
  const cos = scale * Math.cos(angle);
  const sin = scale * Math.sin(angle);
  return [cos, -sin, tx, sin, cos, ty];
}

const FACE_POINTS: Point[] = [
  [38.3, 51.7],
  [73.5, 51.5],
  [56.0, 71.7],
  [41.5, 92.4],
  [70.7, 92.2],
];

describe('boxes', () => {
  it('computes IoU for known overlaps', () => {
    expect(iou(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBe(1);
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(50 / 150, 12);
    expect(iou(box(0, 0, 10, 10), box(0, 0, 5, 5))).toBeCloseTo(0.25, 12);
    expect(iou(box(0, 0, 10, 10), box(5, 5, 10, 10))).toBeCloseTo(25 / 175, 12);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0); // touching edges
    expect(iou(box(0, 0, 10, 10), box(30, 30, 5, 5))).toBe(0);
    expect(iou(box(0, 0, 0, 0), box(0, 0, 0, 0))).toBe(0);
  });

  it('treats negative sizes as zero area', () => {
    expect(boxArea(box(0, 0, 4, 5))).toBe(20);
    expect(boxArea(box(0, 0, -4, 5))).toBe(0);
  });

  it('clips boxes to the image', () => {
    expect(clipBox(box(-5, -5, 20, 20), 100, 50)).toEqual(box(0, 0, 15, 15));
    expect(clipBox(box(90, 40, 20, 20), 100, 50)).toEqual(box(90, 40, 10, 10));
    expect(clipBox(box(10, 10, 5, 5), 100, 50)).toEqual(box(10, 10, 5, 5));
    expect(boxArea(clipBox(box(-30, 0, 10, 10), 100, 50))).toBe(0);
    expect(boxArea(clipBox(box(120, 60, 10, 10), 100, 50))).toBe(0);
  });

  it('sorts faces largest first without mutating, keeping ties in order', () => {
    const faces = [
      { box: box(0, 0, 1, 2), id: 'small' },
      { box: box(0, 0, 10, 10), id: 'big' },
      { box: box(5, 5, 4, 1), id: 'tie-a' },
      { box: box(0, 0, 1, 4), id: 'tie-b' },
    ];
    expect(sortLargestFirst(faces).map((f) => f.id)).toEqual(['big', 'tie-a', 'tie-b', 'small']);
    expect(faces[0]?.id).toBe('small');
  });
});

describe('non-maximum suppression', () => {
  const candidates = [
    { box: box(0, 0, 10, 10), score: 0.9 }, // 0: kept
    { box: box(1, 1, 10, 10), score: 0.8 }, // 1: overlaps 0 heavily
    { box: box(50, 50, 10, 10), score: 0.95 }, // 2: kept first
    { box: box(51, 50, 10, 10), score: 0.7 }, // 3: overlaps 2
    { box: box(100, 0, 10, 10), score: 0.3 }, // 4: alone
  ];

  it('keeps the best of each overlapping group, highest score first', () => {
    expect(nonMaxSuppression(candidates, 0.5)).toEqual([2, 0, 4]);
  });

  it('stops at maxOutput', () => {
    expect(nonMaxSuppression(candidates, 0.5, 2)).toEqual([2, 0]);
    expect(nonMaxSuppression(candidates, 0.5, 0)).toEqual([]);
  });

  it('suppresses only above the threshold', () => {
    const pair = [
      { box: box(0, 0, 10, 10), score: 0.9 },
      { box: box(5, 0, 10, 10), score: 0.8 }, // IoU 1/3
    ];
    expect(nonMaxSuppression(pair, 1 / 3 + 1e-9)).toEqual([0, 1]);
    expect(nonMaxSuppression(pair, 0.3)).toEqual([0]);
  });

  it('measures overlap over the smaller box when asked (a face box inside a larger one)', () => {
    const nested = [
      { box: box(0, 0, 20, 20), score: 0.8 },
      { box: box(5, 5, 10, 10), score: 0.9 }, // IoU 0.25, all of it inside the first
    ];
    expect(intersectionOverMin(box(0, 0, 20, 20), box(5, 5, 10, 10))).toBe(1);
    expect(intersectionOverMin(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(0.5, 12);
    expect(intersectionOverMin(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0);
    expect(nonMaxSuppression(nested, 0.7)).toEqual([1, 0]);
    expect(nonMaxSuppression(nested, 0.7, Infinity, intersectionOverMin)).toEqual([1]);
  });

  it('lets a suppressed box suppress nothing', () => {
    // b overlaps a and c; a suppresses b, so c (which overlaps only b) survives.
    const chain = [
      { box: box(0, 0, 10, 10), score: 0.9 },
      { box: box(4, 0, 10, 10), score: 0.8 },
      { box: box(8, 0, 10, 10), score: 0.7 },
    ];
    expect(nmsClusters(chain, 0.3)).toEqual([[0, 1], [2]]);
  });

  it('blends each cluster by score in the weighted variant', () => {
    const weighted = weightedNonMaxSuppression(
      [
        {
          box: box(0, 0, 10, 10),
          score: 0.75,
          points: [
            [2, 2],
            [8, 2],
          ],
        },
        {
          box: box(2, 1, 10, 14),
          score: 0.25,
          points: [
            [6, 6],
            [8, 10],
          ],
        },
        { box: box(100, 100, 10, 10), score: 0.5, points: [[0, 0]] },
      ],
      0.3,
    );
    expect(weighted).toHaveLength(2);
    expect(weighted[0]?.score).toBe(0.75);
    expect(weighted[0]?.box).toEqual(box(0.5, 0.25, 10, 11));
    expect(weighted[0]?.points).toEqual([
      [3, 3],
      [8, 4],
    ]);
    expect(weighted[1]).toEqual({ box: box(100, 100, 10, 10), score: 0.5, points: [[0, 0]] });
  });
});

describe('similarityTransform (Umeyama)', () => {
  const truth = similarity(1.7, (25 * Math.PI) / 180, 12, -7);

  it('recovers an exact similarity', () => {
    const dst = FACE_POINTS.map((p) => applyAffine(truth, p));
    similarityTransform(FACE_POINTS, dst).forEach((value, i) => {
      expect(value).toBeCloseTo(truth[i] as number, 9);
    });
  });

  it('recovers a similarity from noisy points, better than the truth fits them', () => {
    const noise = jitter(FACE_POINTS.length * 2, 0.3);
    const dst = FACE_POINTS.map((p, i): Point => {
      const [x, y] = applyAffine(truth, p);
      return [x + (noise[2 * i] as number), y + (noise[2 * i + 1] as number)];
    });
    const fit = similarityTransform(FACE_POINTS, dst);
    const [a, b, tx, c, , ty] = fit;
    expect(Math.hypot(a, c)).toBeCloseTo(1.7, 1);
    expect((Math.atan2(c, a) * 180) / Math.PI).toBeCloseTo(25, 0);
    expect(Math.abs(tx - 12)).toBeLessThan(1.5);
    expect(Math.abs(ty + 7)).toBeLessThan(1.5);
    expect(b).toBeCloseTo(-c, 12);
    expect(sumSquaredError(fit, FACE_POINTS, dst)).toBeLessThan(sumSquaredError(truth, FACE_POINTS, dst));
  });

  it('never mirrors: fits a reflected point set with the best proper rotation', () => {
    const mirrored = FACE_POINTS.map(([x, y]): Point => [200 - x, y]);
    const fit = similarityTransform(FACE_POINTS, mirrored);
    const [a, b, , c, d] = fit;
    expect(a * d - b * c).toBeGreaterThan(0);
    expect(d).toBeCloseTo(a, 12);
    expect(b).toBeCloseTo(-c, 12);
    // Least squares: any nudge of a parameter of the similarity makes the fit worse.
    const best = sumSquaredError(fit, FACE_POINTS, mirrored);
    for (const [da, db, dtx, dty] of [
      [1e-3, 0, 0, 0],
      [-1e-3, 0, 0, 0],
      [0, 1e-3, 0, 0],
      [0, -1e-3, 0, 0],
      [0, 0, 1e-2, 0],
      [0, 0, 0, -1e-2],
    ] as const) {
      const nudged: Affine = [a + da, b - db, fit[2] + dtx, c + db, d + da, fit[5] + dty];
      expect(sumSquaredError(nudged, FACE_POINTS, mirrored)).toBeGreaterThan(best);
    }
  });

  it('refuses degenerate input', () => {
    expect(() => similarityTransform([[1, 1]], [[2, 2]])).toThrow(RangeError);
    expect(() => similarityTransform(FACE_POINTS, FACE_POINTS.slice(1))).toThrow(RangeError);
    expect(() =>
      similarityTransform(
        [
          [3, 3],
          [3, 3],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow(/coincide/);
  });
});

describe('affine helpers', () => {
  it('applies x′ = a·x + b·y + tx, y′ = c·x + d·y + ty', () => {
    expect(applyAffine([1, 2, 3, 4, 5, 6], [10, 100])).toEqual([213, 546]);
  });

  it('inverts: invert∘apply is the identity, and inverting twice gives back the transform', () => {
    const transforms: Affine[] = [similarity(0.37, 2.1, -40, 15), [1.5, 0.2, 3, -0.4, 0.8, -9]];
    for (const m of transforms) {
      const inverse = invertAffine(m);
      for (const p of FACE_POINTS) expectPointClose(applyAffine(inverse, applyAffine(m, p)), p);
      invertAffine(inverse).forEach((value, i) => {
        expect(value).toBeCloseTo(m[i] as number, 9);
      });
    }
  });

  it('refuses to invert a singular transform', () => {
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(RangeError);
  });
});

describe('rotationOnto', () => {
  it('puts the turned image on the smallest canvas that holds it, centre on centre', () => {
    const { transform, width, height } = rotationOnto(100, 50, 90);
    expect([width, height]).toEqual([50, 100]);
    const [cx, cy] = applyAffine(transform, [49.5, 24.5]);
    expect(cx).toBeCloseTo(24.5, 9);
    expect(cy).toBeCloseTo(49.5, 9);
    const turned30 = rotationOnto(100, 50, 30, 2);
    expect(turned30.width).toBe(Math.ceil(2 * (100 * Math.cos(Math.PI / 6) + 50 * 0.5) - 1e-9));
  });
});

describe('faceBack', () => {
  it('maps a face found in a turned, scaled copy back onto the image', () => {
    const { transform } = rotationOnto(200, 100, 30, 0.5);
    const toImage = invertAffine(transform);
    const landmarks = {
      leftEye: [80, 40] as Point,
      rightEye: [120, 40] as Point,
      nose: [100, 55] as Point,
      mouthLeft: [85, 70] as Point,
      mouthRight: [115, 70] as Point,
    };
    const box = { x: 70, y: 20, width: 60, height: 60 };
    const turn = (p: Point) => applyAffine(transform, p);
    const [x, y] = turn([box.x + 30, box.y + 30]);
    const seen = {
      box: { x: x - 15, y: y - 15, width: 30, height: 30 },
      score: 0.9,
      landmarks: {
        leftEye: turn(landmarks.leftEye),
        rightEye: turn(landmarks.rightEye),
        nose: turn(landmarks.nose),
        mouthLeft: turn(landmarks.mouthLeft),
        mouthRight: turn(landmarks.mouthRight),
      },
    };
    const back = faceBack(seen, toImage, 200, 100);
    expect(back.score).toBe(0.9);
    for (const k of [0, 1, 2, 3] as const) {
      expect(Object.values(back.box)[k]).toBeCloseTo(Object.values(box)[k] as number, 9);
    }
    for (const [name, point] of Object.entries(landmarks)) {
      const got = back.landmarks[name as keyof typeof landmarks];
      expect(got[0]).toBeCloseTo(point[0], 9);
      expect(got[1]).toBeCloseTo(point[1], 9);
    }
  });

  it('clips the box to the image', () => {
    const face = {
      box: { x: -10, y: -10, width: 40, height: 40 },
      score: 1,
      landmarks: {
        leftEye: [0, 0] as Point,
        rightEye: [1, 0] as Point,
        nose: [0, 1] as Point,
        mouthLeft: [1, 1] as Point,
        mouthRight: [2, 2] as Point,
      },
    };
    expect(faceBack(face, [1, 0, 0, 0, 1, 0], 20, 20).box).toEqual({ x: 0, y: 0, width: 20, height: 20 });
  });
});

describe('subjectFace', () => {
  const face = (x: number, y: number, size: number) => ({ box: { x, y, width: size, height: size } });

  it('is the largest face when it is whole', () => {
    const faces = [face(50, 50, 100), face(200, 50, 90)];
    expect(subjectFace(faces, 400, 300)).toBe(faces[0]);
    expect(subjectFace([], 400, 300)).toBeUndefined();
  });

  it('passes over an edge-cut face for a whole one at least half its area', () => {
    const faces = [face(0, 40, 100), face(150, 50, 80)];
    expect(touchesEdge(faces[0]?.box as Box, 250, 250)).toBe(true);
    expect(subjectFace(faces, 250, 250)).toBe(faces[1]);
  });

  it('keeps an edge-cut close-up when the only whole faces are much smaller', () => {
    const faces = [face(0, 0, 200), face(20, 150, 60)];
    expect(subjectFace(faces, 230, 240)).toBe(faces[0]);
    const allCut = [face(0, 0, 100), face(150, 150, 100)];
    expect(subjectFace(allCut, 250, 250)).toBe(allCut[0]);
  });
});
