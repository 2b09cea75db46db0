/**
 * Property-based fuzz targets, shared by the short run in `npm test` (test/fuzz/fuzz.test.ts) and
 * `npm run fuzz` (scripts/fuzz.ts). The property of every target: each case ends in a result or a
 * typed 4xx error — never another exception, a 5xx, or a hang (fast-check's per-case timeout).
 * Each target tallies its outcomes (`ok`, or the error code) so a run shows what it reached.
 */
import { isAbsolute, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { parsePairs } from '../../functions/cli/pairs.ts';
import { decodeImage } from '../../functions/core/decode.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import type { HttpHandler } from '../../functions/http/dispatch.ts';
import { applyDamage, damage, loadSeeds, SEED_FORMATS, type Seeds } from './images.ts';

export type Tally = Map<string, number>;

export interface FuzzTarget {
  name: string;
  /** Longest a single case may take before it counts as a hang. */
  timeoutMs: number;
  property(tally: Tally): fc.IAsyncProperty<never[]> | fc.IAsyncProperty<[unknown]>;
}

export interface FuzzRun {
  name: string;
  runs: number;
  tally: Tally;
  ms: number;
}

/** Runs `runs` cases of a target; rejects with fast-check's report (seed, shrunk counterexample) on a failure. */
export async function runTarget(target: FuzzTarget, runs: number, seed?: number): Promise<FuzzRun> {
  const tally: Tally = new Map();
  const started = performance.now();
  await fc.assert(target.property(tally) as fc.IAsyncProperty<[unknown]>, {
    numRuns: runs,
    timeout: target.timeoutMs,
    ...(seed === undefined ? {} : { seed }),
  });
  return { name: target.name, runs, tally, ms: performance.now() - started };
}

function count(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** A FaceVerifyError with a 4xx status, else the error itself is rethrown as the failure. */
function expectTyped(error: unknown): FaceVerifyError {
  if (error instanceof FaceVerifyError && error.status >= 400 && error.status < 500) return error;
  throw error;
}

// ——— decode ———

/** Real magic numbers followed by noise: passes the sniffing, fails deeper. */
const MAGIC = [
  [0xff, 0xd8, 0xff, 0xe0],
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [...Buffer.from('GIF89a')],
  [...Buffer.from('RIFF\x00\x01\x00\x00WEBPVP8 ', 'latin1')],
  [...Buffer.from('II*\x00')],
  [...Buffer.from('MM\x00*')],
  [0, 0, 0, 0x1c, ...Buffer.from('ftypavif')],
  [0, 0, 0, 0x18, ...Buffer.from('ftypheic')],
  [...Buffer.from('BM')],
  [...Buffer.from('<svg>')],
];

export function imageBytes(seeds: Seeds): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 4096 }),
    fc
      .tuple(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 2048 }))
      .map(([magic, rest]) => Uint8Array.from([...magic, ...rest])),
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...SEED_FORMATS), fc.array(damage, { maxLength: 3 }))
        .map(([format, damages]) => applyDamage(format, seeds[format], damages)),
    },
  );
}

export async function decodeTarget(): Promise<FuzzTarget> {
  const seeds = await loadSeeds();
  return {
    name: 'decode',
    timeoutMs: 30_000,
    property: (tally) =>
      fc.asyncProperty(imageBytes(seeds), async (bytes) => {
        try {
          const image = await decodeImage(bytes);
          if (
            image.data.length !== image.width * image.height * 3 ||
            Math.min(image.width, image.height) < 32
          ) {
            throw new Error(`decoded to an inconsistent ${image.width}×${image.height} image`);
          }
          count(tally, 'ok');
        } catch (error) {
          count(tally, expectTyped(error).code);
        }
      }),
  };
}

// ——— pairs TSV ———

const FIELD = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', 'a.jpg', ' b.png ', '/abs/c.jpg', '../up.jpg', '#', ' # note', '\r', 'é 漢.jpg'),
);
const LINE = fc.oneof(
  fc.array(FIELD, { maxLength: 4 }).map((fields) => fields.join('\t')),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const TSV = fc
  .tuple(fc.array(LINE, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, last]) => lines.join(eol) + (last ? eol : ''));

export function pairsTarget(): FuzzTarget {
  const base = '/fuzz/base';
  return {
    name: 'pairs TSV',
    timeoutMs: 5_000,
    property: (tally) =>
      fc.asyncProperty(TSV, async (text) => {
        const lines = text.split('\n').length;
        let previous = 0;
        for (const entry of parsePairs(text, base)) {
          if (!Number.isInteger(entry.line) || entry.line <= previous || entry.line > lines) {
            throw new Error(`line ${entry.line} out of order or range (${lines} lines)`);
          }
          previous = entry.line;
          if ('error' in entry) {
            if (expectTyped(entry.error).code !== 'InvalidRequest') throw entry.error;
            count(tally, 'InvalidRequest');
            continue;
          }
          for (const path of [entry.a, entry.b]) {
            if (path === '' || path !== path.trim() || /[\t\n]/.test(path)) {
              throw new Error(`bad path ${JSON.stringify(path)} on line ${entry.line}`);
            }
          }
          if (entry.pathA !== resolve(base, entry.a) || !isAbsolute(entry.pathB)) {
            throw new Error(`line ${entry.line}: paths not resolved against the TSV's folder`);
          }
          count(tally, 'pair');
        }
      }),
  };
}

// ——— HTTP request layer ———

const IMAGE_FIELDS = ['image', 'source', 'target'];
const OPTION_NAMES = ['minScore', 'maxFaces', 'crops', 'threshold', 'allTargetFaces'];
const OPTION_TEXT = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.double().map(String),
  fc.constantFrom('true', 'false', '0.5', '3', '1e309', 'NaN', '-0', ' 1 ', '0x10', ''),
);
const CONTENT_TYPE = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'Application/JSON; charset=utf-8',
    'application/problem+json',
    'image/jpeg',
    'image/png',
    'application/octet-stream',
    'text/plain',
    'multipart/form-data',
    'multipart/form-data; boundary=nope',
    'application/x-www-form-urlencoded',
  ),
  fc.string({ maxLength: 30 }),
);

interface Body {
  bytes: Uint8Array;
  contentType: string | undefined;
}

function bodies(seeds: Seeds): fc.Arbitrary<Body> {
  const image = imageBytes(seeds);
  const base64 = image.map((bytes) => Buffer.from(bytes).toString('base64'));
  const imageValue = fc.oneof(
    base64,
    base64.map((text) => `data:image/jpeg;base64,${text}`),
    fc.base64String({ maxLength: 200 }),
    fc.string({ maxLength: 40 }),
    fc.record({ s3: fc.oneof(fc.jsonValue(), fc.record({ bucket: fc.string(), key: fc.string() })) }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const jsonObject = fc
    .tuple(
      fc.oneof(
        fc.record({ image: imageValue, source: imageValue, target: imageValue }),
        fc.dictionary(fc.constantFrom(...IMAGE_FIELDS), imageValue, { maxKeys: 3 }),
      ),
      fc.dictionary(fc.constantFrom(...OPTION_NAMES), fc.oneof(fc.jsonValue({ maxDepth: 1 }), OPTION_TEXT)),
    )
    .map(([images, options]) => JSON.stringify({ ...options, ...images }));
  const json: fc.Arbitrary<Body> = fc
    .tuple(
      fc.oneof(jsonObject, fc.json({ maxDepth: 2 }), fc.string()),
      fc.option(CONTENT_TYPE, { nil: undefined }),
    )
    .map(([text, type]) => ({ bytes: Buffer.from(text), contentType: type ?? 'application/json' }));
  const multipart: fc.Arbitrary<Body> = fc
    .tuple(
      fc.oneof(
        fc.record({ image, source: image, target: image }),
        fc.dictionary(fc.constantFrom(...IMAGE_FIELDS), fc.oneof(image, fc.string()), { maxKeys: 3 }),
      ),
      fc.dictionary(fc.constantFrom(...OPTION_NAMES), OPTION_TEXT),
    )
    .map(([files, fields]) => multipartBody(files, fields));
  const raw: fc.Arbitrary<Body> = fc
    .tuple(image, CONTENT_TYPE)
    .map(([bytes, contentType]) => ({ bytes, contentType }));
  return fc.oneof(json, raw, multipart);
}

/** A multipart/form-data body as browsers encode it: files with a filename, text fields without. */
function multipartBody(files: Record<string, Uint8Array | string>, fields: Record<string, string>): Body {
  const boundary = '----fuzz7c3a9e';
  const parts: Buffer[] = [];
  const part = (head: string, content: Uint8Array | string) => {
    parts.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n'));
  };
  for (const [name, value] of Object.entries(files)) {
    if (typeof value === 'string') part(`Content-Disposition: form-data; name="${name}"`, value);
    else {
      const head = `Content-Disposition: form-data; name="${name}"; filename="${name}.jpg"\r\nContent-Type: image/jpeg`;
      part(head, value);
    }
  }
  for (const [name, value] of Object.entries(fields))
    part(`Content-Disposition: form-data; name="${name}"`, value);
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const QUERY = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...OPTION_NAMES, 'image'), OPTION_TEXT), { maxLength: 4 })
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ maxLength: 40 }),
);

interface Request {
  method: string;
  path: string;
  body: Body;
  query: string;
  base64: boolean;
}

function event(request: Request): APIGatewayProxyEventV2 {
  const { method, path, body, query } = request;
  const headers: Record<string, string> = { host: 'fuzz.local' };
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  const routeKey = `${method} ${path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: 'fuzz',
      apiId: 'fuzz',
      domainName: 'fuzz.local',
      domainPrefix: 'fuzz',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      requestId: 'fuzz',
      routeKey,
      stage: '$default',
      time: '29/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    ...(body.bytes.length > 0 && {
      body: Buffer.from(body.bytes).toString(request.base64 ? 'base64' : 'utf8'),
    }),
    isBase64Encoded: request.base64 && body.bytes.length > 0,
  };
}

/**
 * The real /detect and /verify handlers (their request parsing, options, image resolution and the
 * engine behind them), called with API Gateway events. `{ s3 }` references are refused (no upload
 * bucket is configured), so no network is involved.
 */
export async function httpTarget(handlers: {
  detect: HttpHandler;
  verify: HttpHandler;
}): Promise<FuzzTarget> {
  const seeds = await loadSeeds();
  const request = fc.record({
    method: fc.oneof(
      { weight: 10, arbitrary: fc.constant('POST') },
      fc.constantFrom('GET', 'PUT', 'OPTIONS'),
    ),
    path: fc.constantFrom('/detect', '/verify'),
    body: bodies(seeds),
    query: QUERY,
    base64: fc.boolean(),
  });
  return {
    name: 'HTTP request layer',
    timeoutMs: 60_000,
    property: (tally) =>
      fc.asyncProperty(request, async (input) => {
        const handler = input.path === '/detect' ? handlers.detect : handlers.verify;
        const result = await handler(event(input));
        const status = result.statusCode ?? 200;
        const body = result.body === undefined ? undefined : JSON.parse(result.body);
        if (status >= 200 && status < 300) {
          count(tally, `${status}`);
          return;
        }
        const code = body?.error?.code;
        if (status < 400 || status >= 500 || typeof code !== 'string' || code === 'InternalError') {
          throw new Error(`${input.method} ${input.path} answered ${status} ${result.body}`);
        }
        count(tally, `${status} ${code}`);
      }),
  };
}
