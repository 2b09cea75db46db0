import { describe, expect, it } from 'vitest';
import {
  clipBox,
  defaultLabel,
  LANDMARK_NAMES,
  labelPlace,
  layoutFaces,
  scaleBetween,
  scaleBox,
  scalePoint,
} from '../../web/src/geometry.ts';
import type { Face } from '../../web/src/types.ts';

const face: Face = {
  box: { x: 400, y: 200, width: 200, height: 240 },
  score: 0.987,
  landmarks: {
    leftEye: [450, 280],
    rightEye: [550, 280],
    nose: [500, 330],
    mouthLeft: [460, 390],
    mouthRight: [540, 390],
  },
};

describe('scaleBetween', () => {
  it('is display pixels per image pixel, per axis', () => {
    expect(scaleBetween({ width: 1920, height: 1280 }, { width: 960, height: 640 })).toEqual({
      x: 0.5,
      y: 0.5,
    });
    expect(scaleBetween({ width: 100, height: 100 }, { width: 300, height: 150 })).toEqual({ x: 3, y: 1.5 });
  });

  it('refuses an empty image size rather than dividing by zero', () => {
    expect(() => scaleBetween({ width: 0, height: 10 }, { width: 10, height: 10 })).toThrow(RangeError);
  });
});

describe('scaling', () => {
  it('scales points and boxes', () => {
    expect(scalePoint([450, 280], { x: 0.5, y: 0.25 })).toEqual([225, 70]);
    expect(scaleBox(face.box, { x: 0.5, y: 0.5 })).toEqual({ x: 200, y: 100, width: 100, height: 120 });
  });

  it('clips a box that runs past the display edges', () => {
    const display = { width: 100, height: 80 };
    expect(clipBox({ x: -10, y: 70, width: 30, height: 30 }, display)).toEqual({
      x: 0,
      y: 70,
      width: 20,
      height: 10,
    });
    expect(clipBox({ x: 10, y: 10, width: 20, height: 20 }, display)).toEqual({
      x: 10,
      y: 10,
      width: 20,
      height: 20,
    });
  });
});

describe('labelPlace', () => {
  const display = { width: 200, height: 200 };

  it('puts the label above the box when there is room', () => {
    expect(labelPlace({ x: 50, y: 60, width: 40, height: 40 }, display, 14, 50)).toEqual({ x: 50, y: 57 });
  });

  it('puts it inside the top of a box at the image top', () => {
    expect(labelPlace({ x: 50, y: 2, width: 40, height: 40 }, display, 14, 50)).toEqual({ x: 50, y: 19 });
  });

  it('keeps it from running off the right edge', () => {
    expect(labelPlace({ x: 180, y: 60, width: 20, height: 20 }, display, 14, 50).x).toBe(150);
  });
});

describe('layoutFaces', () => {
  it('maps every box and landmark of an image onto its displayed size', () => {
    const [shape] = layoutFaces([face], { width: 1000, height: 800 }, { width: 500, height: 400 });
    expect(shape?.number).toBe(1);
    expect(shape?.box).toEqual({ x: 200, y: 100, width: 100, height: 120 });
    expect(shape?.landmarks.map((l) => l.name)).toEqual([...LANDMARK_NAMES]);
    expect(shape?.landmarks[0]?.at).toEqual([225, 140]);
    expect(shape?.landmarks[4]?.at).toEqual([270, 195]);
    expect(shape?.label).toBe('1 · 0.99');
  });

  it('keeps the image left eye on the display left (no mirroring)', () => {
    const [shape] = layoutFaces([face], { width: 1000, height: 800 }, { width: 250, height: 200 });
    const [left, right] = shape?.landmarks ?? [];
    expect(left?.at[0]).toBeLessThan(right?.at[0] ?? 0);
  });

  it('numbers faces in the order given and takes a custom label', () => {
    const shapes = layoutFaces(
      [face, face],
      { width: 10, height: 10 },
      { width: 10, height: 10 },
      {
        label: (_f, i) => `#${i}`,
      },
    );
    expect(shapes.map((s) => [s.number, s.label])).toEqual([
      [1, '#0'],
      [2, '#1'],
    ]);
    expect(defaultLabel(face, 2)).toBe('3 · 0.99');
  });

  it('labels faces by number only on a narrow display', () => {
    const [shape] = layoutFaces([face], { width: 1000, height: 800 }, { width: 300, height: 240 });
    expect(shape?.label).toBe('1');
  });

  it('returns nothing for no faces', () => {
    expect(layoutFaces([], { width: 10, height: 10 }, { width: 5, height: 5 })).toEqual([]);
  });
});
