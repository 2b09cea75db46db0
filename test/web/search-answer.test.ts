import { describe, expect, it } from 'vitest';
import { peopleOf } from '../../web/src/people.ts';
import { describeFpir, describeSearch } from '../../web/src/search-answer.ts';
import type { SearchMatch, SearchResponse } from '../../web/src/types.ts';

const face = {
  box: { x: 1, y: 2, width: 30, height: 40 },
  score: 0.99,
  landmarks: { leftEye: [0, 0], rightEye: [0, 0], nose: [0, 0], mouthLeft: [0, 0], mouthRight: [0, 0] },
  pose: 'frontal',
} as SearchResponse['searchedFace'];

function response(matches: Omit<SearchMatch, 'faceId'>[], fpir = 0, faceCount = 12): SearchResponse {
  return {
    searchedFace: face,
    matches: matches.map((m, i) => ({ ...m, faceId: `00000000-0000-4000-8000-00000000000${i}` })),
    fpir,
    faceCount,
  };
}

describe('describeSearch', () => {
  it('names the top person when they reach their threshold, and ranks everyone with far in words', () => {
    const answer = describeSearch(
      response(
        [
          { externalId: 'Ada_Lovelace', similarity: 0.953, threshold: 0.921, far: 0.00012, match: true },
          { externalId: 'Grace_Hopper', similarity: 0.41, threshold: 0.921, far: 0.3, match: false },
        ],
        0.0014,
      ),
    );
    expect(answer).toEqual({
      found: true,
      label: 'Found: Ada_Lovelace',
      detail: 'similarity 0.95 ≥ threshold 0.92.',
      chance:
        'About 1 in 710 people who are not enrolled would score this high against one of the 12 faces here (estimated, 0.0014).',
      ranked: [
        {
          name: 'Ada_Lovelace',
          match: true,
          comparison: 'similarity 0.95 ≥ threshold 0.92',
          rarity: 'about 1 in 8,300 pairs of different people score this high (false-accept rate 0.00012)',
        },
        {
          name: 'Grace_Hopper',
          match: false,
          comparison: 'similarity 0.41 < threshold 0.92',
          rarity: 'about 1 in 3.3 pairs of different people score this high (false-accept rate 0.3)',
        },
      ],
    });
  });

  it('says when others reach their thresholds too', () => {
    const answer = describeSearch(
      response([
        { externalId: 'a', similarity: 0.97, threshold: 0.9, far: 0.00001, match: true },
        { externalId: 'b', similarity: 0.93, threshold: 0.9, far: 0.0001, match: true },
        { externalId: 'c', similarity: 0.95, threshold: 0.96, far: 0.00002, match: false },
      ]),
    );
    expect(answer.detail).toBe('similarity 0.97 ≥ threshold 0.90. Also at or above their threshold: b.');
  });

  it('is "Not found" when the closest person stays under their threshold, and names them', () => {
    const answer = describeSearch(
      response(
        [{ externalId: 'Ada_Lovelace', similarity: 0.8999, threshold: 0.9, far: 0.002, match: false }],
        0.024,
      ),
    );
    expect(answer).toMatchObject({
      found: false,
      label: 'Not found',
      detail:
        'No one enrolled reaches their threshold; the closest is Ada_Lovelace (similarity 0.8999 < threshold 0.9000).',
    });
    expect(answer.ranked.map((p) => p.match)).toEqual([false]);
  });

  it('says an empty collection has no one to find', () => {
    expect(describeSearch(response([], 0, 0))).toEqual({
      found: false,
      label: 'No one enrolled yet',
      detail: 'This collection has no faces: enrol people first, then search.',
      chance: '',
      ranked: [],
    });
  });
});

describe('describeFpir', () => {
  it('puts the chance that a stranger scores this high here in words', () => {
    expect(describeFpir(0.5, 1)).toBe(
      'About 1 in 2 people who are not enrolled would score this high against the 1 face here (estimated, 0.5).',
    );
    expect(describeFpir(0.97, 300)).toBe(
      'Most people who are not enrolled would score this high against one of the 300 faces here (estimated, 0.97).',
    );
  });
});

describe('peopleOf', () => {
  it('names each person once, in listing order, with their face count', () => {
    const listed = (externalId: string, n: number) => ({
      faceId: `f${n}`,
      externalId,
      box: { x: 0, y: 0, width: 1, height: 1 },
      createdAt: `2026-12-06T10:00:0${n}Z`,
    });
    expect(peopleOf([listed('b', 1), listed('a', 2), listed('b', 3)])).toEqual([
      { name: 'b', faceCount: 2 },
      { name: 'a', faceCount: 1 },
    ]);
    expect(peopleOf([])).toEqual([]);
  });
});
