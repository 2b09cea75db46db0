import { describe, expect, it } from 'vitest';
import { resampleBox } from '../../functions/core/resample.ts';
import { BLUE, paint, pixel, quadrants, WHITE } from './fixtures.ts';

describe('resampleBox', () => {
  const image = paint(4, 4, (x, y) => [x * 60, y * 60, 7]);

  it('copies a box of whole pixels at its own size, and halves a box by averaging pixel pairs', () => {
    const crop = resampleBox(image, { x: 1, y: 2, width: 2, height: 2 }, 2);
    expect([pixel(crop, 0, 0), pixel(crop, 1, 1)]).toEqual([
      [60, 120, 7],
      [120, 180, 7],
    ]);
    const half = resampleBox(image, { x: 0, y: 0, width: 4, height: 4 }, 2);
    expect(pixel(half, 0, 0)).toEqual([30, 30, 7]);
    expect(pixel(half, 1, 1)).toEqual([150, 150, 7]);
  });

  it('is black outside the image', () => {
    const crop = resampleBox(quadrants(8, 8), { x: -8, y: 4, width: 16, height: 16 }, 4);
    expect(pixel(crop, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(crop, 3, 3)).toEqual([0, 0, 0]);
    // Columns 2 and 3 sample x 1.5 and 5.5, row 0 y 5.5: the bottom quadrants.
    expect(pixel(crop, 2, 0)).toEqual(BLUE);
    expect(pixel(crop, 3, 0)).toEqual(WHITE);
  });
});
