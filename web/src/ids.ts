/**
 * The API's id rules for a collection and a person, checked before anything is sent. A name typed as a
 * person writes it ("Ada Lovelace") is not an id; rather than change it silently, the page says which
 * characters an id may use and offers one made from the name ("Ada_Lovelace"), which the person accepts
 * with a click: the id they see is the one that search will answer with.
 */

import { COLLECTION_ID, EXTERNAL_ID } from '../../functions/collections/ids.ts';

export type IdKind = 'collection' | 'person';

interface IdRule {
  pattern: RegExp;
  /** The pattern's character class: what an id may contain. */
  chars: string;
  /** Characters besides letters and digits, as the message lists them. */
  extra: string;
  maxLength: number;
  what: string;
}

/** A rule from the service's own pattern, which has the shape `^[chars]{1,max}$`. */
function ruleOf(pattern: RegExp, what: string): IdRule {
  const found = /^\^\[(.+)\]\{1,(\d+)\}\$$/.exec(pattern.source);
  if (!found) throw new Error(`unexpected id pattern ${pattern.source}`);
  const chars = found[1] as string;
  const extra = [...chars.replace('A-Za-z0-9', '')].join(' ');
  return { pattern, chars, extra, maxLength: Number(found[2]), what };
}

const RULES: Record<IdKind, IdRule> = {
  collection: ruleOf(COLLECTION_ID, 'A collection name'),
  person: ruleOf(EXTERNAL_ID, 'A name'),
};

/** The whole-id pattern the service checks, e.g. `^[A-Za-z0-9_.-]{1,128}$`. */
export function idPattern(kind: IdKind): RegExp {
  return RULES[kind].pattern;
}

export type IdCheck =
  | { ok: true; id: string }
  | {
      ok: false;
      message: string;
      /** An id made from what was typed, when one can be. */
      suggestion?: string;
    };

/** What the hint under the field says: the rule, before anything is typed. */
export function idRule(kind: IdKind): string {
  const rule = RULES[kind];
  return `Letters (A–Z, a–z), digits and ${rule.extra}; no spaces; up to ${rule.maxLength} characters.`;
}

/**
 * An id from free text: accents dropped ("Zoë" → "Zoe"), each run of spaces or other characters the rule
 * refuses → one "_", none at either end; undefined when nothing usable is left (e.g. a name in a
 * non-Latin script).
 */
export function suggestId(kind: IdKind, text: string): string | undefined {
  const rule = RULES[kind];
  const plain = text.normalize('NFKD').replace(/\p{M}/gu, '');
  const id = plain
    .replace(new RegExp(`[^${rule.chars}]+`, 'g'), '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, rule.maxLength)
    .replace(/_+$/, '');
  return /[A-Za-z0-9]/.test(id) && idPattern(kind).test(id) ? id : undefined;
}

export function checkId(kind: IdKind, text: string): IdCheck {
  const rule = RULES[kind];
  const id = text.trim();
  if (idPattern(kind).test(id)) return { ok: true, id };
  if (id === '') return { ok: false, message: `${rule.what} is needed.` };
  const message =
    id.length > rule.maxLength
      ? `${rule.what} may be at most ${rule.maxLength} characters long.`
      : `${rule.what} may use only letters (A–Z, a–z), digits and ${rule.extra}, with no spaces.`;
  const suggestion = suggestId(kind, id);
  return suggestion === undefined ? { ok: false, message } : { ok: false, message, suggestion };
}
