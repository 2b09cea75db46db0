/**
 * The local server (`npm start`) on ephemeral ports, through real HTTP: every input form, every error
 * code, presigned uploads against the local S3, CORS, the web page's files, and concurrent requests.
 * Every JSON answer is checked against the OpenAPI document.
 */
import { request as httpRequest } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceEngine } from '../../functions/core/engine.ts';
import { iou } from '../../functions/core/geometry.ts';
import type { Face } from '../../functions/core/types.ts';
import { ROUTES, routeKey } from '../../functions/http/routes.ts';
import { LOCAL_BUCKETS } from '../../functions/local/s3.ts';
import { type LocalServer, startServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { asDetected, pngHeaderOnly } from '../core/fixtures.ts';
import { assertConforms } from './openapi.ts';
import { cropJpeg, demoPhoto, gradientPng } from './photos.ts';

const loads = vi.spyOn(FaceEngine, 'load');
let server: LocalServer;
let group: Buffer;
let portrait: Buffer;
let faceless: Buffer;
let faces: Face[];

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: Record<string, unknown> };
}

async function send(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(new URL(path, server.url), { method, ...init });
  const body = await response.json();
  assertConforms(`${method} ${new URL(path, server.url).pathname}`, response.status, body);
  return { status: response.status, headers: response.headers, body };
}

function post(path: string, body: BodyInit | Buffer, contentType?: string): Promise<Answer> {
  const payload = Buffer.isBuffer(body) ? new Uint8Array(body) : body;
  return send('POST', path, { body: payload, headers: contentType ? { 'content-type': contentType } : {} });
}

/** The same face found twice: verify's quick pass and detect's tiled one may place it a pixel apart. */
function expectSameFace(actual: unknown, expected: Face | undefined): void {
  expect(iou((actual as Face).box, (expected as Face).box)).toBeGreaterThan(0.8);
}

const json = (path: string, body: unknown) => post(path, JSON.stringify(body), 'application/json');
const base64 = (bytes: Buffer) => bytes.toString('base64');

function form(files: Record<string, Buffer>, fields: Record<string, string> = {}): FormData {
  const data = new FormData();
  for (const [name, bytes] of Object.entries(files)) {
    data.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), `${name}.jpg`);
  }
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}

async function putUpload(key: string, bytes: Buffer): Promise<{ bucket: string; key: string }> {
  await server.s3
    .client()
    .send(new PutObjectCommand({ Bucket: LOCAL_BUCKETS.uploads, Key: key, Body: bytes }));
  return { bucket: LOCAL_BUCKETS.uploads, key };
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  server = await startServer({ port: 0, s3Port: 0 });
  group = await demoPhoto(1, 640);
  faceless = await gradientPng(320, 240);
  faces = (await post('/detect', group, 'image/jpeg')).body.faces as Face[];
  portrait = await cropJpeg(group, (faces[0] as Face).box);
});

afterAll(async () => {
  await server?.stop();
});

describe('POST /detect takes the image in every form', () => {
  it('as the raw body, options in the query string', async () => {
    expect(faces.length).toBeGreaterThanOrEqual(2);
    const { status, body } = await post('/detect?maxFaces=1&crops=false', group, 'image/jpeg');
    expect(status).toBe(200);
    expect(body.faces).toEqual(faces.slice(0, 1));
    const strict = await post('/detect?minScore=0.99', group, 'image/jpeg');
    expect((strict.body.faces as Face[]).length).toBeLessThan(faces.length);
  });

  it('as base64 in JSON, options beside it', async () => {
    const { body } = await json('/detect', { image: base64(group), maxFaces: 1 });
    expect(body.faces).toEqual(faces.slice(0, 1));
  });

  it('as a multipart file, options as text fields', async () => {
    const { status, body } = await post('/detect', form({ image: group }, { crops: 'true' }));
    expect(status).toBe(200);
    const detected = body.faces as (Face & { crop?: string })[];
    expect(detected.map(({ crop, ...face }) => face)).toEqual(faces);
    expect(detected.every((face) => face.crop?.startsWith('iVBORw0KGgo'))).toBe(true); // PNG signature
  });

  it('as an s3 reference to an object in the upload bucket', async () => {
    const { body } = await json('/detect', {
      image: { s3: await putUpload('uploads/test/group.jpg', group) },
    });
    expect(body.faces).toEqual(faces);
  });

  it('answers 200 with no faces for a photo without one', async () => {
    const { status, body } = await post('/detect', faceless, 'image/png');
    expect(status).toBe(200);
    expect(body).toMatchObject({ width: 320, height: 240, faces: [] });
  });
});

describe('POST /verify takes the pair in every form', () => {
  it('as base64 in JSON', async () => {
    const { status, body } = await json('/verify', { source: base64(portrait), target: base64(group) });
    expect(status).toBe(200);
    expect(body.match).toBe(true);
    expectSameFace(body.target, faces[0]);
  });

  it('as multipart files, with every target face compared', async () => {
    const { body } = await post(
      '/verify',
      form({ source: portrait, target: group }, { allTargetFaces: 'true' }),
    );
    const compared = [
      ...(body.faceMatches as { face: Face }[]).map((m) => m.face),
      ...(body.unmatchedFaces as Face[]),
    ];
    expect(compared).toHaveLength(faces.length);
    expect(compared.map(asDetected)).toEqual(expect.arrayContaining(faces.map(asDetected)));
    for (const face of compared) expect(face.quality?.score).toBeGreaterThan(0);
  });

  it('as s3 references, source and target mixed with base64', async () => {
    const source = await putUpload('uploads/test/portrait.jpg', portrait);
    const { body } = await json('/verify', { source: { s3: source }, target: base64(group) });
    expect(body.match).toBe(true);
  });
});

describe('POST /uploads', () => {
  it('presigns PUTs that the local S3 takes, whose objects detect and verify then read', async () => {
    const files = [portrait, group].map((bytes) => ({
      contentType: 'image/jpeg',
      contentLength: bytes.length,
    }));
    const { status, body } = await json('/uploads', { files });
    expect(status).toBe(200);
    const uploads = body.uploads as {
      url: string;
      method: string;
      headers: Record<string, string>;
      s3: { bucket: string; key: string };
    }[];
    expect(body.expiresIn).toBe(300);
    const [prefix] = uploads.map((u) => u.s3.key.replace(/\/0$/, ''));
    expect(uploads.map((u) => u.s3)).toEqual([
      { bucket: LOCAL_BUCKETS.uploads, key: `${prefix}/0` },
      { bucket: LOCAL_BUCKETS.uploads, key: `${prefix}/1` },
    ]);
    expect(prefix).toMatch(/^uploads\/[0-9a-f-]{36}$/);
    for (const [i, upload] of uploads.entries()) {
      const url = new URL(upload.url);
      // What makes S3 refuse another type or size (s3rver does not check V4 signatures).
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      const put = await fetch(url, {
        method: upload.method,
        headers: upload.headers,
        body: new Uint8Array([portrait, group][i] as Buffer),
      });
      expect(put.status).toBe(200);
    }
    const verified = await json('/verify', {
      source: { s3: uploads[0]?.s3 },
      target: { s3: uploads[1]?.s3 },
    });
    expect(verified.body.match).toBe(true);
    expectSameFace(verified.body.target, faces[0]);
  });

  it('gives every request a prefix of its own', async () => {
    const files = [{ contentType: 'image/png', contentLength: 1000 }];
    const keys = await Promise.all([json('/uploads', { files }), json('/uploads', { files })]);
    const [a, b] = keys.map(({ body }) => (body.uploads as { s3: { key: string } }[])[0]?.s3.key);
    expect(a).not.toBe(b);
  });
});

/** Requests that must fail, by the status and code they must fail with; `image` when the error names one. */
const ERRORS: {
  status: number;
  code: string;
  cases: Record<string, [() => Promise<Answer>, image?: string]>;
}[] = [
  {
    status: 400,
    code: 'InvalidRequest',
    cases: {
      'broken JSON': [() => post('/detect', '{"image": ', 'application/json')],
      'a JSON body that is not an object': [() => json('/verify', [1, 2])],
      'a missing image': [() => json('/verify', { source: base64(portrait) })],
      'an image of the wrong type': [() => json('/detect', { image: 42 })],
      'base64 that is not': [() => json('/detect', { image: 'not base64!' })],
      'an ill-typed option': [() => post('/detect?maxFaces=many', group, 'image/jpeg')],
      'an option out of range': [() => json('/verify', { source: 'AA==', target: 'AA==', threshold: 2 })],
      'a text field for a file': [() => post('/detect', form({}, { image: 'x' }))],
      'a broken multipart body': [() => post('/detect', 'garbage', 'multipart/form-data; boundary=x')],
      'too many uploads': [
        () => json('/uploads', { files: Array(3).fill({ contentType: 'image/jpeg', contentLength: 9 }) }),
      ],
    },
  },
  {
    status: 400,
    code: 'InvalidImage',
    cases: {
      'bytes that are not an image': [
        () => post('/detect', Buffer.from('hello, not an image'), 'image/jpeg'),
      ],
      'a truncated photo': [() => post('/detect', group.subarray(0, group.length / 2), 'image/jpeg')],
      'an empty body': [() => post('/detect', new Uint8Array(), 'image/jpeg')],
      'an empty base64 image': [() => json('/verify', { source: '', target: base64(group) })],
    },
  },
  {
    status: 400,
    code: 'ImageTooSmall',
    cases: { 'a 20×20 image': [async () => post('/detect', await gradientPng(20, 20), 'image/png')] },
  },
  {
    status: 403,
    code: 'Forbidden',
    cases: {
      'another bucket': [
        () => json('/detect', { image: { s3: { bucket: 'someone-elses', key: 'a.jpg' } } }),
        'image',
      ],
    },
  },
  {
    status: 404,
    code: 'NotFound',
    cases: {
      'an unknown route': [() => send('GET', '/nothing-here')],
      'a missing upload': [
        () =>
          json('/verify', {
            source: base64(portrait),
            target: { s3: { bucket: LOCAL_BUCKETS.uploads, key: 'uploads/no/0' } },
          }),
        'target',
      ],
    },
  },
  {
    status: 405,
    code: 'MethodNotAllowed',
    cases: { 'the wrong method': [() => send('GET', '/verify')] },
  },
  {
    status: 413,
    code: 'ImageTooLarge',
    cases: {
      'a body over the Lambda payload limit': [
        () => post('/detect', Buffer.alloc(5 * 1024 * 1024), 'image/jpeg'),
      ],
      'too many pixels': [() => post('/detect', Buffer.from(pngHeaderOnly(8000, 6000)), 'image/png')],
      'an uploaded object over 20 MiB': [
        async () =>
          json('/detect', {
            image: { s3: await putUpload('uploads/big/0', Buffer.alloc(21 * 1024 * 1024)) },
          }),
        'image',
      ],
      'an upload over 20 MiB': [
        () => json('/uploads', { files: [{ contentType: 'image/jpeg', contentLength: 21 * 1024 * 1024 }] }),
      ],
    },
  },
  {
    status: 415,
    code: 'UnsupportedMediaType',
    cases: {
      'a body type the route does not take': [() => post('/detect', 'a photo', 'text/plain')],
      'one raw image for a pair': [() => post('/verify', group, 'image/jpeg')],
      'an image format it cannot decode': [
        () => post('/detect', Buffer.from('BM'.padEnd(66, '\0')), 'image/bmp'),
      ],
      'an upload that is not an image': [
        () => json('/uploads', { files: [{ contentType: 'text/plain', contentLength: 9 }] }),
      ],
    },
  },
  {
    status: 400,
    code: 'InvalidImage',
    cases: {
      'a source that is not an image': [
        () => json('/verify', { source: base64(Buffer.from('not a photo')), target: base64(group) }),
        'source',
      ],
      'a target that is not an image': [
        () => json('/verify', { source: base64(group), target: base64(Buffer.from('not a photo')) }),
        'target',
      ],
    },
  },
  {
    status: 422,
    code: 'NoFaceDetected',
    cases: {
      'no face in the source': [
        () => json('/verify', { source: base64(faceless), target: base64(group) }),
        'source',
      ],
      'no face in the target': [
        () => json('/verify', { source: base64(portrait), target: base64(faceless) }),
        'target',
      ],
    },
  },
];

describe.each(ERRORS)('$status $code', ({ status, code, cases }) => {
  it.each(Object.entries(cases))('for %s', async (_, [request, image]) => {
    const { status: actual, body } = await request();
    expect(actual).toBe(status);
    expect(body.error).toMatchObject({ code, message: expect.any(String), ...(image && { image }) });
  });
});

describe('the server', () => {
  it('names the methods a path takes when refusing another', async () => {
    expect((await send('GET', '/detect')).headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('routes every route of the table to the function that serves it', async () => {
    for (const route of ROUTES) {
      const response = await fetch(new URL(route.path.replace(/\{\w+\}/g, 'x'), server.url), {
        method: route.method,
      });
      // PUT /collections/x made one: DELETE of it answers 204, without a body.
      const body = response.status === 204 ? {} : await response.json();
      if (response.status !== 204) assertConforms(routeKey(route), response.status, body);
      // Each function answers its own route: a result or a typed 4xx about the (empty) request, never
      // the NotFound or MethodNotAllowed of a route nobody serves.
      expect(['NotFound', 'MethodNotAllowed'], routeKey(route)).not.toContain(body.error?.code);
    }
  });

  it('allows the web page origin named by CORS_ORIGIN, preflight included', async () => {
    process.env.CORS_ORIGIN = 'http://localhost:5173';
    try {
      const health = await send('GET', '/health');
      expect(health.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const preflight = await fetch(new URL('/verify', server.url), { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    } finally {
      delete process.env.CORS_ORIGIN;
    }
    expect((await send('GET', '/health')).headers.has('access-control-allow-origin')).toBe(false);
  });

  it("serves the web page's files, and nothing outside them", async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<html');
    // fetch would normalise the path; a raw request keeps the encoded dots.
    const escaped = await new Promise<number | undefined>((resolve, reject) => {
      httpRequest(new URL('/%2e%2e/package.json', server.url), (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(escaped).toBe(404);
  });

  it('answers 20 concurrent verifications alike, with the models loaded once', async () => {
    const small = await demoPhoto(1, 480);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => json('/verify', { source: base64(portrait), target: base64(small) })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.similarity)).size).toBe(1);
    expect(answers[0]?.body.match).toBe(true);
    expect(loads).toHaveBeenCalledTimes(1);
  });
});
