import { describe, expect, it } from 'vitest';
import { checkId, idPattern, idRule, suggestId } from '../../web/src/ids.ts';

describe('idPattern', () => {
  it("is the API's pattern for each id", () => {
    expect(idPattern('collection').source).toBe('^[A-Za-z0-9_.-]{1,128}$');
    expect(idPattern('person').source).toBe('^[A-Za-z0-9_.:@-]{1,255}$');
  });
});

describe('checkId', () => {
  it('accepts an id as the API does, without the spaces around it', () => {
    expect(checkId('person', 'ada.lovelace@example.org')).toEqual({
      ok: true,
      id: 'ada.lovelace@example.org',
    });
    expect(checkId('person', '  Ada_Lovelace ')).toEqual({ ok: true, id: 'Ada_Lovelace' });
    expect(checkId('person', 'emp:42')).toEqual({ ok: true, id: 'emp:42' });
    expect(checkId('collection', 'staff-2026.v1')).toEqual({ ok: true, id: 'staff-2026.v1' });
  });

  it('says which characters a name may use, and offers one made from it', () => {
    expect(checkId('person', 'Ada Lovelace')).toEqual({
      ok: false,
      message: 'A name may use only letters (A–Z, a–z), digits and _ . : @ -, with no spaces.',
      suggestion: 'Ada_Lovelace',
    });
    // A collection id may not hold ":" or "@", which a person's may.
    expect(checkId('collection', 'team:a')).toMatchObject({
      ok: false,
      message: 'A collection name may use only letters (A–Z, a–z), digits and _ . -, with no spaces.',
      suggestion: 'team_a',
    });
  });

  it('asks for an id when there is none, and refuses one too long', () => {
    expect(checkId('person', '   ')).toEqual({ ok: false, message: 'A name is needed.' });
    const long = checkId('collection', 'x'.repeat(129));
    expect(long).toMatchObject({
      ok: false,
      message: 'A collection name may be at most 128 characters long.',
    });
    expect(long.ok === false && long.suggestion).toBe('x'.repeat(128));
    expect(checkId('person', 'y'.repeat(255)).ok).toBe(true);
  });
});

describe('suggestId', () => {
  it('drops accents, turns each run of other characters into one "_", none at the ends', () => {
    expect(suggestId('person', 'Zoë Saldaña')).toBe('Zoe_Saldana');
    expect(suggestId('person', ' José  García (2019) ')).toBe('Jose_Garcia_2019');
    expect(suggestId('person', "O'Brien, Conan")).toBe('O_Brien_Conan');
    expect(suggestId('collection', 'Front door / day shift')).toBe('Front_door_day_shift');
  });

  it('offers nothing when no letter or digit of A–Z, 0–9 is left', () => {
    expect(suggestId('person', '李小龍')).toBeUndefined();
    expect(suggestId('person', '!!!')).toBeUndefined();
    expect(checkId('person', '李小龍')).toEqual({
      ok: false,
      message: 'A name may use only letters (A–Z, a–z), digits and _ . : @ -, with no spaces.',
    });
  });

  it('keeps within the length limit, without a trailing "_"', () => {
    const id = suggestId('collection', `${'a'.repeat(127)} b`);
    expect(id).toBe('a'.repeat(127));
  });
});

describe('idRule', () => {
  it('states the rule before anything is typed', () => {
    expect(idRule('person')).toBe(
      'Letters (A–Z, a–z), digits and _ . : @ -; no spaces; up to 255 characters.',
    );
  });
});
