/**
 * `npm run smoke -- --url <ApiUrl>`: after `npm run deploy`, checks the collections store on real AWS
 * through the HTTP API: create a collection, enrol 3 photos (3 people), search with one of them, erase that
 * person, search again, delete the collection. Prints each step and exits non-zero on the first
 * surprise. The collection is named `smoke-<time>` and deleted at the end, also after a failure.
 *
 *   npm run smoke -- --url https://….execute-api.eu-west-1.amazonaws.com/ [--auth jwt|iam|none]
 *                    [--token <access token>]   (auth=jwt; or FACEVERIFY_TOKEN)
 *
 * With `iam` the requests are SigV4-signed for execute-api with the default credential chain (profile,
 * environment, SSO), in the region the URL names. With `jwt` the token is a user's access token, e.g.
 * the one the page holds after sign-in (its `Authorization` header in the browser's network panel).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    auth: { type: 'string', default: 'jwt' },
    token: { type: 'string', default: process.env.FACEVERIFY_TOKEN },
  },
});
if (!flags.url) throw new Error('--url <ApiUrl> is required (the stack output ApiUrl)');
const base = new URL(flags.url);
const auth = flags.auth;
if (auth !== 'jwt' && auth !== 'iam' && auth !== 'none') throw new Error('--auth is jwt, iam or none');
if (auth === 'jwt' && !flags.token)
  throw new Error('auth=jwt needs --token <access token> or FACEVERIFY_TOKEN');

/** SHA-256 for the signer, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

const region = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(base.host)?.[1];
const signer =
  auth === 'iam'
    ? new SignatureV4({
        service: 'execute-api',
        region: region ?? process.env.AWS_REGION ?? 'us-east-1',
        credentials: defaultProvider(),
        sha256: Sha256,
      })
    : undefined;

interface Answer {
  status: number;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const url = new URL(path.replace(/^\//, ''), base);
  const text = body === undefined ? undefined : JSON.stringify(body);
  let headers: Record<string, string> = {
    host: url.host,
    ...(text !== undefined && { 'content-type': 'application/json' }),
    ...(auth === 'jwt' && { authorization: `Bearer ${flags.token}` }),
  };
  if (signer) {
    const query = Object.fromEntries(url.searchParams);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      ...(text !== undefined && { body: text }),
    });
    headers = signed.headers;
  }
  const { host: _, ...sent } = headers;
  const response = await fetch(url, { method, headers: sent, ...(text !== undefined && { body: text }) });
  const raw = await response.text();
  return { status: response.status, body: raw ? JSON.parse(raw) : undefined };
}

function expectStatus(step: string, answer: Answer, ...statuses: number[]): void {
  const ok = statuses.includes(answer.status);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${step}: ${answer.status}`);
  if (!ok)
    throw new Error(
      `${step}: expected ${statuses.join(' or ')}, got ${answer.status} ${JSON.stringify(answer.body)}`,
    );
}

async function photo(n: number): Promise<string> {
  const file = new URL(`../node_modules/@vladmandic/face-api/demo/sample${n}.jpg`, import.meta.url);
  return (await readFile(file)).toString('base64');
}

type Search = { matches: { externalId: string; similarity: number }[] };

const collection = `smoke-${Date.now()}`;
const path = `/collections/${collection}`;
try {
  expectStatus('create', await call('PUT', path), 201);
  const people = [1, 2, 3];
  for (const n of people) {
    const enrolled = await call('POST', `${path}/faces`, {
      image: await photo(n),
      externalId: `person-${n}`,
    });
    expectStatus(`enrol photo ${n}`, enrolled, 201);
  }
  const described = await call('GET', path);
  expectStatus('get', described, 200);
  const counts = described.body as { faceCount: number; subjectCount: number };
  if (counts.faceCount !== 3 || counts.subjectCount !== 3) {
    throw new Error(`counts: expected 3 faces of 3 people, got ${JSON.stringify(counts)}`);
  }
  // Enrolments are searchable when they return (docs/collections-aws.md): no wait before searching.
  const found = await call('POST', `${path}/search`, { image: await photo(1), maxResults: 3 });
  expectStatus('search', found, 200);
  const [top] = (found.body as Search).matches;
  if (top?.externalId !== 'person-1')
    throw new Error(`search: expected person-1 first, got ${JSON.stringify(top)}`);
  console.log(`     person-1 found at similarity ${top.similarity.toFixed(3)}`);
  expectStatus('erase person-1', await call('DELETE', `${path}/subjects/person-1`), 204);
  const after = await call('POST', `${path}/search`, { image: await photo(1), maxResults: 3 });
  expectStatus('search after erasure', after, 200);
  const left = (after.body as Search).matches.map((match) => match.externalId);
  if (left.includes('person-1')) throw new Error('erasure: person-1 is still found');
  console.log(`     now found: ${left.join(', ') || 'nobody'}`);
} finally {
  expectStatus('delete', await call('DELETE', path), 204, 404);
  expectStatus('get after delete', await call('GET', path), 404);
}
console.log('smoke test passed');
