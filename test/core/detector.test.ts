import { describe, expect, it } from 'vitest';
import {
  anchorCentres,
  decodeAnchors,
  decodeRetinaFace,
  decodeSsd,
  keepInTile,
  landmarksFromBox,
  landmarksFromKeypoints,
  planViews,
} from '../../functions/core/detector.ts';
import type { Point } from '../../functions/core/types.ts';

describe('anchorCentres', () => {
  it('lays anchors row-major, perCell repeats, layer by layer', () => {
    const a = anchorCentres(64, [
      { stride: 32, perCell: 2 },
      { stride: 64, perCell: 1 },
    ]);
    expect(a).toEqual([
      [16, 16],
      [16, 16],
      [48, 16],
      [48, 16],
      [16, 48],
      [16, 48],
      [48, 48],
      [48, 48],
      [32, 32],
    ]);
  });

  it('matches BlazeFace back (896 anchors) and full-range (2304 anchors)', () => {
    expect(
      anchorCentres(256, [
        { stride: 16, perCell: 2 },
        { stride: 32, perCell: 6 },
      ]),
    ).toHaveLength(896);
    expect(anchorCentres(192, [{ stride: 4, perCell: 1 }])).toHaveLength(2304);
  });
});

describe('decodeRetinaFace', () => {
  // A 64 px input: stride 32 gives a 2 × 2 grid with two anchor sizes, stride 64 one cell with one.
  const names = { scores: 's', boxes: 'b', landmarks: 'l' };
  const plane = 4;
  const fine = {
    level: { stride: 32, anchors: [64, 32], outputs: names },
    outputs: {
      cells: 2,
      scores: new Float32Array(2 * 2 * plane),
      boxes: new Float32Array(2 * 4 * plane),
      landmarks: new Float32Array(2 * 10 * plane),
    },
  };
  const coarse = {
    level: { stride: 64, anchors: [128], outputs: names },
    outputs: {
      cells: 1,
      scores: Float32Array.from([0.1, 0.9]),
      boxes: new Float32Array(4),
      landmarks: new Float32Array(10),
    },
  };
  // Anchor 1 (32 px) of cell 3 (column 1, row 1: centre 40, 40): face 0.8, shifted by (+1/4, -1/8)
  // of its size, width e^0 × 32 and height e^ln2 × 32, left eye at (-0.25, -0.25) × 32 from the centre.
  const { scores, boxes, landmarks } = fine.outputs;
  scores[(2 + 1) * plane + 3] = 0.8;
  scores[(0 + 1) * plane + 3] = 0.99; // a background probability: never read as a face
  for (const [k, v] of [0.25, -0.125, 0, Math.LN2].entries()) boxes[(1 * 4 + k) * plane + 3] = v;
  landmarks[(1 * 10 + 0) * plane + 3] = -0.25;
  landmarks[(1 * 10 + 1) * plane + 3] = -0.25;
  landmarks[(1 * 10 + 9) * plane + 3] = 0.5;

  it('reads face probabilities after the background ones and decodes box and landmarks', () => {
    const out = decodeRetinaFace([fine, coarse], 0.5);
    expect(out.map((c) => c.score)).toEqual([Math.fround(0.8), Math.fround(0.9)]);
    const [face, big] = out;
    const { x = 0, y = 0, width = 0, height = 0 } = face?.box ?? {};
    expect([x, y, width, height].map((v) => Number(v.toFixed(4)))).toEqual([32, 4, 32, 64]);
    expect(face?.points?.[0]).toEqual([32, 32]);
    expect(face?.points?.[4]).toEqual([40, 56]);
    // Cell centres sit 8 px into the cell (InsightFace's 16 px base anchor).
    expect(big?.box).toEqual({ x: 8 - 64, y: 8 - 64, width: 128, height: 128 });
  });

  it('keeps only candidates reaching minScore', () => {
    expect(decodeRetinaFace([fine, coarse], 0.85)).toHaveLength(1);
    expect(decodeRetinaFace([fine, coarse], 0.95)).toHaveLength(0);
  });
});

describe('decodeAnchors', () => {
  const anchors: Point[] = [
    [10, 10],
    [50, 50],
  ];
  const regressors = new Float32Array(32);
  // anchor 1: centre offset (+2, -4), 20 × 30 box, keypoints offset by k.
  regressors.set([2, -4, 20, 30, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], 16);

  it('keeps anchors whose sigmoid(logit) reaches minScore and decodes box and keypoints', () => {
    const out = decodeAnchors([-5, 2], regressors, anchors, 0.5);
    expect(out).toHaveLength(1);
    const [c] = out;
    expect(c?.box).toEqual({ x: 42, y: 31, width: 20, height: 30 });
    expect(c?.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(c?.points?.[0]).toEqual([51, 51]);
    expect(c?.points?.[5]).toEqual([56, 56]);
  });

  it('uses the score threshold exactly', () => {
    const logit = Math.log(0.7 / 0.3);
    expect(decodeAnchors([logit, logit], regressors, anchors, 0.7)).toHaveLength(2);
    expect(decodeAnchors([logit - 1e-6, -9], regressors, anchors, 0.7)).toHaveLength(0);
  });
});

describe('decodeSsd', () => {
  it('turns [ymin, xmin, ymax, xmax] in 0–1 into input-pixel boxes, clipping to the input', () => {
    const out = decodeSsd([0.1, 0.2, 0.5, 0.6, -0.1, 0.9, 0.2, 1.2], [0.9, 0.8], 100, 0.5);
    expect(out[0]?.box.x).toBeCloseTo(20);
    expect(out[0]?.box.y).toBeCloseTo(10);
    expect(out[0]?.box.width).toBeCloseTo(40);
    expect(out[0]?.box.height).toBeCloseTo(40);
    expect(out[1]?.box).toEqual({ x: 90, y: 0, width: 10, height: 20 });
    expect(decodeSsd([0, 0, 1, 1], [0.4], 100, 0.5)).toEqual([]);
  });
});

describe('planViews', () => {
  it('sees a small photo as a square centred on it, and zoomed out twice as far', () => {
    expect(planViews(300, 200, { tileSize: 384, zoomOut: true })).toEqual([
      { x: 0, y: -50, size: 300, tile: false },
      { x: -150, y: -200, size: 600, tile: false },
    ]);
    expect(planViews(300, 200, { tileSize: 384, zoomOut: false })).toEqual([
      { x: 0, y: -50, size: 300, tile: false },
    ]);
  });

  it('adds overlapping tiles that cover a large photo edge to edge', () => {
    const views = planViews(1920, 1080, { tileSize: 384, zoomOut: true });
    const tiles = views.filter((v) => v.tile);
    expect(views[0]).toEqual({ x: 0, y: -420, size: 1920, tile: false });
    expect(tiles.length).toBeGreaterThan(1);
    expect(Math.min(...tiles.map((t) => t.x))).toBe(0);
    expect(Math.max(...tiles.map((t) => t.x + t.size))).toBeCloseTo(1920);
    expect(Math.max(...tiles.map((t) => t.y + t.size))).toBeCloseTo(1080);
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++)
      expect((xs[i] as number) - (xs[i - 1] as number)).toBeLessThanOrEqual(384 * 0.75);
  });
});

describe('keepInTile', () => {
  const tile = { x: 100, y: 100, size: 400, tile: true };
  it('drops detections cut by an inner tile edge or too large for the tile', () => {
    expect(keepInTile({ x: 200, y: 200, width: 50, height: 50 }, tile, 1000, 1000)).toBe(true);
    expect(keepInTile({ x: 101, y: 200, width: 50, height: 50 }, tile, 1000, 1000)).toBe(false);
    expect(keepInTile({ x: 460, y: 200, width: 39, height: 50 }, tile, 1000, 1000)).toBe(false);
    expect(keepInTile({ x: 200, y: 200, width: 150, height: 150 }, tile, 1000, 1000)).toBe(false);
  });

  it('keeps detections at the photo border and everything from the whole-photo view', () => {
    expect(
      keepInTile({ x: 0, y: 0, width: 40, height: 40 }, { x: 0, y: 0, size: 400, tile: true }, 1000, 1000),
    ).toBe(true);
    expect(
      keepInTile(
        { x: 0, y: 0, width: 900, height: 900 },
        { x: 0, y: 0, size: 1000, tile: false },
        1000,
        1000,
      ),
    ).toBe(true);
  });
});

describe('landmarks without a landmark model', () => {
  it('places mouth corners across the mouth centre along the eye line', () => {
    const l = landmarksFromKeypoints([
      [40, 50],
      [80, 50],
      [60, 70],
      [60, 90],
      [20, 60],
      [100, 60],
    ]);
    expect(l.leftEye).toEqual([40, 50]);
    expect(l.nose).toEqual([60, 70]);
    expect(l.mouthLeft[0]).toBeCloseTo(60 - 0.414 * 40);
    expect(l.mouthRight[0]).toBeCloseTo(60 + 0.414 * 40);
    expect(l.mouthLeft[1]).toBe(90);
  });

  it('places an average face in a box (eyes above nose above mouth, left of right)', () => {
    const l = landmarksFromBox({ x: 10, y: 20, width: 100, height: 120 });
    expect(l.leftEye[0]).toBeLessThan(l.rightEye[0]);
    expect(l.leftEye[1]).toBeLessThan(l.nose[1]);
    expect(l.nose[1]).toBeLessThan(l.mouthLeft[1]);
    expect(l.mouthLeft[0]).toBeGreaterThan(10);
    expect(l.mouthRight[0]).toBeLessThan(110);
  });
});
