/** Opaque paging tokens: the sort key of a page's last item, base64url JSON; a forged one is a 400. */
import { FaceVerifyError } from '../core/errors.ts';

export function encodePageToken(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key `encodePageToken` was given, checked to be `length` strings. */
export function decodePageToken(token: string, length: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((part) => typeof part === 'string')) {
    throw new FaceVerifyError('InvalidRequest', 'nextToken is not one this service handed out');
  }
  return key;
}
