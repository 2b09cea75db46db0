import { describe, expect, it } from 'vitest';
import { detectorDetails, keepInTile, planViews } from '../../functions/core/detector.ts';
import { DETECTOR_FAMILIES } from '../../functions/core/manifest.ts';

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

describe('detectorDetails', () => {
  const details = { landmarkCropScale: 1.2, verifyMinScore: 0.5 };

  it('reads the family and the landmark and verify settings of every known family', () => {
    for (const family of DETECTOR_FAMILIES) {
      expect(detectorDetails({ name: 'd', details: { ...details, family, anchors: [] } })).toEqual({
        family,
        ...details,
        anchors: [],
      });
    }
  });

  it('refuses an entry without a family instead of guessing one', () => {
    expect(() => detectorDetails({ name: 'old', details })).toThrow(
      'the manifest entry of old is out of date: run npm run build:models',
    );
  });

  it('refuses an unknown family, naming the known ones', () => {
    expect(() => detectorDetails({ name: 'x', details: { ...details, family: 'yolo' } })).toThrow(
      'the manifest entry of x names detector family "yolo", not one of retinaface, blazeface, ssd, mtcnn',
    );
  });

  it('refuses an entry without the landmark crop or verify settings', () => {
    expect(() => detectorDetails({ name: 'y', details: { family: 'ssd', verifyMinScore: 0.5 } })).toThrow(
      'out of date',
    );
    expect(() => detectorDetails({ name: 'z' })).toThrow('out of date');
  });
});
