/**
 * The ids and limits of the collections API, checked once at the service's door: a store receives only
 * ids that match these patterns, so its keys, file names and index names never see anything else.
 */
import { FaceVerifyError } from '../core/errors.ts';
import { isQualityFilter, QUALITY_FILTERS, type QualityFilter } from './quality-filter.ts';

export const COLLECTION_ID = /^[A-Za-z0-9_.-]{1,128}$/;
export const EXTERNAL_ID = /^[A-Za-z0-9_.:@-]{1,255}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ranges of the numeric options (OpenAPI states the same). */
export const COLLECTION_LIMITS = {
  maxFaces: { min: 1, max: 100, default: 1 },
  maxResults: { min: 1, max: 100, default: 5 },
  pageSize: { min: 1, max: 1000, default: 100 },
  /** The default chance per search that a person who is not enrolled matches someone. */
  maxFpir: { default: 0.01 },
  nextTokenLength: 2048,
} as const;

export function collectionId(value: unknown): string {
  return checked('collectionId', value, COLLECTION_ID, 'letters, digits and _ . - (1 to 128)');
}

export function externalId(value: unknown): string {
  return checked('externalId', value, EXTERNAL_ID, 'letters, digits and _ . : @ - (1 to 255)');
}

export function faceId(value: unknown): string {
  return checked('faceId', value, UUID, 'a lower-case UUID');
}

export function qualityFilter(value: unknown): QualityFilter {
  if (isQualityFilter(value)) return value;
  throw new FaceVerifyError(
    'InvalidRequest',
    `\`qualityFilter\` must be one of ${QUALITY_FILTERS.join(', ')}.`,
  );
}

/** The chance `maxFpir`, strictly between 0 and 1. */
export function maxFpir(value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number === 'number' && number > 0 && number < 1) return number;
  throw new FaceVerifyError('InvalidRequest', '`maxFpir` must be a number between 0 and 1 (exclusive).');
}

export function nextToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= COLLECTION_LIMITS.nextTokenLength) {
    return value;
  }
  throw new FaceVerifyError('InvalidRequest', '`nextToken` must be the `nextToken` of a previous page.');
}

function checked(name: string, value: unknown, pattern: RegExp, allowed: string): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw new FaceVerifyError('InvalidRequest', `\`${name}\` must be ${allowed}.`);
}
