/**
 * Response conformance to functions/http/openapi.json: a validator for the JSON Schema keywords the
 * document uses, refusing any other keyword rather than ignoring it.
 */
import document from '../../functions/http/openapi.json' with { type: 'json' };

type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['description', 'contentEncoding', 'contentMediaType', 'examples']);

/** The string formats the document uses, checked as strictly as its readers would parse them. */
const FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value)),
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
};

function resolvePointer(ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every way `value` breaks `schema`, as `path: problem` lines; empty when it conforms. */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const fail = (problem: string) => errors.push(`${path}: ${problem}`);
  for (const [keyword, rule] of Object.entries(schema)) {
    switch (keyword) {
      case '$ref':
        errors.push(...validate(resolvePointer(rule as string), value, path));
        break;
      case 'type': {
        const actual = typeOf(value);
        const allowed = [rule].flat() as string[];
        if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
          fail(`is ${actual}, not ${allowed.join(' or ')}`);
        }
        break;
      }
      case 'enum':
        if (!(rule as unknown[]).includes(value))
          fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(rule)}`);
        break;
      case 'const':
        if (value !== rule) fail(`${JSON.stringify(value)} is not ${JSON.stringify(rule)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (rule as number)) fail(`${value} < ${rule}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (rule as number)) fail(`${value} > ${rule}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (rule as number)) fail(`${value} <= ${rule}`);
        break;
      case 'exclusiveMaximum':
        if (typeof value === 'number' && value >= (rule as number)) fail(`${value} >= ${rule}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && value.length > (rule as number)) fail(`longer than ${rule}`);
        break;
      case 'format': {
        const check = FORMATS[rule as string];
        if (!check) throw new Error(`the validator does not implement format ${rule}`);
        if (typeof value === 'string' && !check(value)) fail(`is not a ${rule}`);
        break;
      }
      case 'minLength':
        if (typeof value === 'string' && value.length < (rule as number)) fail(`shorter than ${rule}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(rule as string, 'u').test(value))
          fail(`does not match ${rule}`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (rule as number)) fail(`has fewer than ${rule} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (rule as number)) fail(`has more than ${rule} items`);
        break;
      case 'items':
        if (Array.isArray(value)) {
          value.forEach((item, i) => {
            errors.push(...validate(rule as Schema, item, `${path}[${i}]`));
          });
        }
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const name of rule as string[]) if (!(name in (value as object))) fail(`lacks ${name}`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [name, propertySchema] of Object.entries(rule as Record<string, Schema>)) {
            const property = (value as Record<string, unknown>)[name];
            if (property !== undefined) errors.push(...validate(propertySchema, property, `${path}.${name}`));
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const declared = Object.keys((schema.properties as object | undefined) ?? {});
          for (const [name, property] of Object.entries(value as Record<string, unknown>)) {
            if (declared.includes(name)) continue;
            if (rule === false) fail(`has undocumented property ${name}`);
            else errors.push(...validate(rule as Schema, property, `${path}.${name}`));
          }
        }
        break;
      case 'oneOf': {
        const passing = (rule as Schema[]).filter((option) => validate(option, value, path).length === 0);
        if (passing.length !== 1) fail(`matches ${passing.length} of oneOf's schemas, not exactly 1`);
        break;
      }
      default:
        if (!ANNOTATIONS.has(keyword)) throw new Error(`the validator does not implement ${keyword}`);
    }
  }
  return errors;
}

/**
 * The schema the document gives for one response, e.g. ('POST /verify', 422). Routes outside the
 * document (an unknown path, a method a path does not take) answer the common Error body.
 */
export function responseSchema(route: string, status: number): Schema {
  const [method = '', path = ''] = route.split(' ');
  const operation = (document.paths as Record<string, Record<string, { responses: Record<string, Schema> }>>)[
    path
  ]?.[method.toLowerCase()];
  if (!operation && status >= 400) return { $ref: '#/components/schemas/Error' };
  let response = operation?.responses[String(status)];
  if (!response) throw new Error(`the document has no ${status} response for ${route}`);
  if (typeof response.$ref === 'string') response = resolvePointer(response.$ref);
  const content = response.content as Record<string, { schema: Schema }>;
  const json = content['application/json'];
  if (!json) throw new Error(`the ${status} response of ${route} is not JSON`);
  return json.schema;
}

/** Throws, listing every problem, unless `body` is what the document promises for this response. */
export function assertConforms(route: string, status: number, body: unknown): void {
  const errors = validate(responseSchema(route, status), body);
  if (errors.length > 0) throw new Error(`${route} ${status} does not conform:\n${errors.join('\n')}`);
}
