/**
 * The API's id rules for a collection and a person, checked before anything is sent. A name typed as a
 * person writes it ("Ada Lovelace") is not an id; rather than change it silently, the page says which
 * characters an id may use and offers one made from the name ("Ada_Lovelace"), which the person accepts
 * with a click: the id they see is the one that search will answer with.
 */

export type IdKind = 'collection' | 'person';

interface IdRule {
  /** A regular expression's character class: what an id may contain. */
  chars: string;
  /** Characters besides letters and digits, as the message lists them. */
  extra: string;
  maxLength: number;
  what: string;
}

/** As functions/http/openapi.json's CollectionId and ExternalId. */
const RULES: Record<IdKind, IdRule> = {
  collection: { chars: 'A-Za-z0-9_.-', extra: '_ . -', maxLength: 128, what: 'A collection name' },
  person: { chars: 'A-Za-z0-9_.:@-', extra: '_ . - : @', maxLength: 255, what: 'A name' },
};

/** The whole-id pattern, e.g. `^[A-Za-z0-9_.-]{1,128}$`. */
export function idPattern(kind: IdKind): RegExp {
  const { chars, maxLength } = RULES[kind];
  return new RegExp(`^[${chars}]{1,${maxLength}}$`);
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
