/**
 * Typed request options from JSON values or text (query string, multipart fields): `0.5` or `"0.5"`,
 * `true` or `"true"`. Anything else, or out of range, is a 400 InvalidRequest naming the field.
 */
import { FaceVerifyError } from '../core/errors.ts';

export type OptionSpec =
  | { type: 'number'; min: number; max: number; integer?: boolean }
  | { type: 'boolean' };

export type Options<S extends Record<string, OptionSpec>> = {
  [K in keyof S]?: S[K] extends { type: 'boolean' } ? boolean : number;
};

export function readOptions<S extends Record<string, OptionSpec>>(
  fields: Record<string, unknown>,
  specs: S,
): Options<S> {
  const options: Record<string, number | boolean> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = fields[name];
    if (value === undefined) continue;
    options[name] = spec.type === 'boolean' ? readBoolean(name, value) : readNumber(name, value, spec);
  }
  return options as Options<S>;
}

function readBoolean(name: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new FaceVerifyError('InvalidRequest', `\`${name}\` must be true or false.`);
}

function readNumber(name: string, value: unknown, spec: Extract<OptionSpec, { type: 'number' }>): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  const { min, max, integer } = spec;
  if (
    typeof number !== 'number' ||
    !Number.isFinite(number) ||
    (integer && !Number.isInteger(number)) ||
    number < min ||
    number > max
  ) {
    const kind = integer ? 'an integer' : 'a number';
    throw new FaceVerifyError('InvalidRequest', `\`${name}\` must be ${kind} from ${min} to ${max}.`);
  }
  return number;
}
