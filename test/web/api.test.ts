/** The API client against a fake fetch: request shapes per the contract, and errors as ApiError. */
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../web/src/api.ts';
import { blobToBase64, bytesToBase64 } from '../../web/src/base64.ts';
import { ApiError } from '../../web/src/errors.ts';

interface Call {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

function fakeFetch(responses: Response[]): { fetchFn: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    const body = init.body;
    calls.push({
      url: String(url),
      method: init.method,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof body === 'string' ? JSON.parse(body) : body,
    });
    const response = responses.shift();
    if (!response) throw new TypeError('Failed to fetch');
    return response;
  }) as typeof fetch;
  return { fetchFn, calls };
}

const jpeg = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: 'image/jpeg' });
const BASE = 'https://api.example/prod/';

describe('ApiClient.detect', () => {
  it('posts the raw photo with its own Content-Type, and crops=true in the query', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json({ width: 10, height: 10, faces: [] })]);
    const result = await new ApiClient(BASE, fetchFn).detect({ kind: 'bytes', blob: jpeg }, { crops: true });
    expect(result).toEqual({ width: 10, height: 10, faces: [] });
    expect(calls).toEqual([
      {
        url: 'https://api.example/prod/detect?crops=true',
        method: 'POST',
        headers: { 'Content-Type': 'image/jpeg' },
        body: jpeg,
      },
    ]);
  });

  it('sends an uploaded photo as its S3 location, in JSON', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json({ width: 1, height: 1, faces: [] })]);
    await new ApiClient(BASE, fetchFn).detect({ kind: 's3', s3: { bucket: 'b', key: 'k' } });
    expect(calls[0]).toMatchObject({
      url: 'https://api.example/prod/detect',
      headers: { 'Content-Type': 'application/json' },
      body: { image: { s3: { bucket: 'b', key: 'k' } } },
    });
  });

  it('labels a file without a type as octet-stream, for the API to refuse clearly', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json({ width: 1, height: 1, faces: [] })]);
    await new ApiClient(BASE, fetchFn).detect({ kind: 'bytes', blob: new Blob(['hello']) });
    expect(calls[0]?.headers).toEqual({ 'Content-Type': 'application/octet-stream' });
  });
});

describe('ApiClient.verify', () => {
  it('posts both photos as base64 in JSON', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json({ match: true, similarity: 0.95, threshold: 0.9 })]);
    await new ApiClient(BASE, fetchFn).verify(
      { kind: 'bytes', blob: jpeg },
      { kind: 's3', s3: { bucket: 'b', key: 'k' } },
      { threshold: 0.5 },
    );
    expect(calls[0]).toMatchObject({
      url: 'https://api.example/prod/verify',
      method: 'POST',
      body: { source: '/9j/4A==', target: { s3: { bucket: 'b', key: 'k' } }, threshold: 0.5 },
    });
  });
});

describe('ApiClient.upload', () => {
  it('asks /uploads for a presigned PUT, then PUTs the file with the given headers', async () => {
    const ticket = {
      url: 'https://uploads.s3.example/k?sig=1',
      method: 'PUT',
      headers: { 'Content-Type': 'image/jpeg' },
      s3: { bucket: 'uploads', key: 'k' },
    };
    const { fetchFn, calls } = fakeFetch([
      Response.json({ uploads: [ticket], expiresIn: 300 }),
      new Response(null, { status: 200 }),
    ]);
    const payload = await new ApiClient(BASE, fetchFn).upload(jpeg);
    expect(payload).toEqual({ kind: 's3', s3: { bucket: 'uploads', key: 'k' } });
    expect(calls[0]).toMatchObject({
      url: 'https://api.example/prod/uploads',
      body: { files: [{ contentType: 'image/jpeg', contentLength: 4 }] },
    });
    expect(calls[1]).toEqual({ url: ticket.url, method: 'PUT', headers: ticket.headers, body: jpeg });
  });

  it('fails clearly when the PUT is refused', async () => {
    const { fetchFn } = fakeFetch([
      Response.json({
        uploads: [{ url: 'https://u/k', method: 'PUT', headers: {}, s3: { bucket: 'b', key: 'k' } }],
        expiresIn: 300,
      }),
      new Response('<Error/>', { status: 403 }),
    ]);
    await expect(new ApiClient(BASE, fetchFn).upload(jpeg)).rejects.toMatchObject({
      code: 'HttpError',
      status: 403,
    });
  });
});

describe('ApiClient collections', () => {
  const collection = {
    collectionId: 'staff',
    model: { name: 'arcface', version: '1' },
    faceCount: 0,
    subjectCount: 0,
    createdAt: '2026-12-06T10:00:00.000Z',
  };

  it('creates a collection with PUT, and tells created from opened by the status', async () => {
    const { fetchFn, calls } = fakeFetch([
      Response.json(collection, { status: 201 }),
      Response.json(collection, { status: 200 }),
    ]);
    const api = new ApiClient(BASE, fetchFn);
    expect(await api.createCollection('staff')).toEqual({ collection, created: true });
    expect(await api.createCollection('staff')).toEqual({ collection, created: false });
    expect(calls[0]).toMatchObject({ url: `${BASE}collections/staff`, method: 'PUT', body: undefined });
  });

  it('lists collections and faces with their query, leaving out what is not given', async () => {
    const { fetchFn, calls } = fakeFetch([
      Response.json({ collections: [collection], nextToken: 'n1' }),
      Response.json({ faces: [] }),
      Response.json({ faces: [] }),
    ]);
    const api = new ApiClient(BASE, fetchFn);
    expect(await api.listCollections({ limit: 1000 })).toEqual({
      collections: [collection],
      nextToken: 'n1',
    });
    await api.listFaces('staff', { externalId: 'ada@example.org', limit: 10, nextToken: 'a b' });
    await api.listFaces('staff');
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      [undefined, `${BASE}collections?limit=1000`],
      [undefined, `${BASE}collections/staff/faces?externalId=ada%40example.org&limit=10&nextToken=a+b`],
      [undefined, `${BASE}collections/staff/faces`],
    ]);
  });

  it('enrols and searches with the photo as base64 or its upload, in JSON', async () => {
    const { fetchFn, calls } = fakeFetch([
      Response.json({ faces: [], unindexedFaces: [] }, { status: 201 }),
      Response.json({ matches: [], fpir: 0, faceCount: 0 }),
    ]);
    const api = new ApiClient(BASE, fetchFn);
    await api.indexFace('staff', { kind: 'bytes', blob: jpeg }, 'emp:42');
    await api.searchFaces('staff', { kind: 's3', s3: { bucket: 'b', key: 'k' } }, { maxResults: 3 });
    expect(calls[0]).toMatchObject({
      url: `${BASE}collections/staff/faces`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { image: '/9j/4A==', externalId: 'emp:42' },
    });
    expect(calls[1]).toMatchObject({
      url: `${BASE}collections/staff/search`,
      method: 'POST',
      body: { image: { s3: { bucket: 'b', key: 'k' } }, maxResults: 3 },
    });
  });

  it('forgets a person and deletes a collection: 204 and no body', async () => {
    const { fetchFn, calls } = fakeFetch([
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
    ]);
    const api = new ApiClient(BASE, fetchFn);
    await expect(api.forgetPerson('staff', 'ada.l@example.org:2')).resolves.toBeUndefined();
    await expect(api.deleteCollection('staff')).resolves.toBeUndefined();
    // ":" and "@" are legal in a path segment as they are; nothing else of an id needs escaping.
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['DELETE', `${BASE}collections/staff/subjects/ada.l@example.org:2`],
      ['DELETE', `${BASE}collections/staff`],
    ]);
  });

  it('escapes what the page would never send: an id cannot climb out of its segment', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json(collection)]);
    await new ApiClient(BASE, fetchFn).getCollection('../uploads?x=1');
    expect(calls[0]?.url).toBe(`${BASE}collections/..%2Fuploads%3Fx%3D1`);
  });

  it('reads a missing collection as CollectionNotFound', async () => {
    const { fetchFn } = fakeFetch([
      Response.json(
        { error: { code: 'CollectionNotFound', message: 'No collection staff.' } },
        { status: 404 },
      ),
    ]);
    await expect(new ApiClient(BASE, fetchFn).getCollection('staff')).rejects.toMatchObject({
      code: 'CollectionNotFound',
      status: 404,
    });
  });
});

describe('errors', () => {
  it("turns the API's error JSON into an ApiError", async () => {
    const { fetchFn } = fakeFetch([
      Response.json(
        { error: { code: 'NoFaceDetected', message: 'No face found in source.', image: 'source' } },
        { status: 422 },
      ),
    ]);
    const failed = new ApiClient(BASE, fetchFn).verify(
      { kind: 'bytes', blob: jpeg },
      { kind: 'bytes', blob: jpeg },
    );
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(failed).rejects.toMatchObject({ code: 'NoFaceDetected', status: 422, image: 'source' });
  });

  it('reports no response at all as a NetworkError', async () => {
    const { fetchFn } = fakeFetch([]);
    await expect(new ApiClient(BASE, fetchFn).detect({ kind: 'bytes', blob: jpeg })).rejects.toMatchObject({
      code: 'NetworkError',
      status: 0,
    });
  });

  it('lets a cancelled request stay an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const fetchFn = (async () => {
      throw new DOMException('aborted', 'AbortError');
    }) as typeof fetch;
    await expect(
      new ApiClient(BASE, fetchFn).detect({ kind: 'bytes', blob: jpeg }, {}, controller.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a 200 that is not JSON', async () => {
    const { fetchFn } = fakeFetch([new Response('<html>', { status: 200 })]);
    await expect(new ApiClient(BASE, fetchFn).detect({ kind: 'bytes', blob: jpeg })).rejects.toMatchObject({
      code: 'HttpError',
    });
  });
});

describe('base64', () => {
  it('matches Node’s encoder, across chunk boundaries', async () => {
    const data = new Uint8Array(100_000).map((_, i) => (i * 7919) % 256);
    expect(bytesToBase64(data)).toBe(Buffer.from(data).toString('base64'));
    expect(await blobToBase64(new Blob([data]))).toBe(Buffer.from(data).toString('base64'));
    expect(bytesToBase64(new Uint8Array())).toBe('');
  });
});

describe('ApiClient with credentials (auth jwt)', () => {
  function credentials(tokens: string[], renewals: boolean[]) {
    const asked: string[] = [];
    return {
      asked,
      accessToken: async () => tokens[0],
      refresh: async () => {
        asked.push('refresh');
        tokens.shift();
        return renewals.shift() ?? false;
      },
    };
  }

  it('sends the access token as a bearer on API calls, never on the presigned upload', async () => {
    const ticket = {
      url: 'https://bucket.s3.example/k',
      method: 'PUT',
      headers: { 'Content-Type': 'image/jpeg' },
      s3: { bucket: 'b', key: 'k' },
    };
    const { fetchFn, calls } = fakeFetch([
      Response.json({ uploads: [ticket] }),
      new Response(null, { status: 200 }),
    ]);
    await new ApiClient(BASE, fetchFn, credentials(['t1'], [])).upload(jpeg);
    expect(calls[0]?.headers.Authorization).toBe('Bearer t1');
    expect(calls[1]?.headers.Authorization).toBeUndefined();
  });

  it('renews a refused token once and sends the same request again', async () => {
    const creds = credentials(['old', 'new'], [true]);
    const { fetchFn, calls } = fakeFetch([
      Response.json({ error: { code: 'Unauthorized', message: 'expired' } }, { status: 401 }),
      Response.json({ width: 1, height: 1, faces: [] }),
    ]);
    await new ApiClient(BASE, fetchFn, creds).detect({ kind: 'bytes', blob: jpeg });
    expect(calls.map((c) => c.headers.Authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(calls[1]?.body).toBe(jpeg);
    expect(creds.asked).toEqual(['refresh']);
  });

  it('gives up with Unauthorized when the token cannot be renewed', async () => {
    const { fetchFn, calls } = fakeFetch([Response.json({ message: 'Unauthorized' }, { status: 401 })]);
    const error = await new ApiClient(BASE, fetchFn, credentials(['old'], [false]))
      .detect({ kind: 'bytes', blob: jpeg })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('Unauthorized');
    expect(calls).toHaveLength(1);
  });
});
