import { describe, expect, it } from 'vitest';
import { decodeRetinaFace } from '../../../functions/core/detectors/retinaface.ts';

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
