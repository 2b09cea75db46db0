import { describe, expect, it } from 'vitest';
import { derivedFaceId } from '../../functions/collections/derived-face-id.ts';
import { faceId, qualityFilter } from '../../functions/collections/ids.ts';

describe('derivedFaceId', () => {
  const source =
    'enrol/staff/ann/me.jpg#sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

  it('is the same for the same source and face, and a valid lower-case UUID (version 8)', () => {
    const id = derivedFaceId(source, 0);
    expect(derivedFaceId(source, 0)).toBe(id);
    expect(faceId(id)).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs per face of a photo and per source', () => {
    const ids = new Set([
      derivedFaceId(source, 0),
      derivedFaceId(source, 1),
      derivedFaceId(source.replace('ann', 'bob'), 0),
      derivedFaceId(source.replace(/.$/, '9'), 0),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe('qualityFilter', () => {
  it('takes the five levels and refuses anything else with InvalidRequest', () => {
    for (const level of ['none', 'auto', 'low', 'medium', 'high']) expect(qualityFilter(level)).toBe(level);
    for (const bad of ['AUTO', '', 1, undefined]) {
      expect(() => qualityFilter(bad)).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
    }
  });
});
