/**
 * The Lambda handlers called as Lambda calls them: recorded payload 2.0 events in, proxy results out,
 * through the real engine with real photos. One runtime for the file, configured from an environment as
 * Lambda provides it (the handlers share its engine).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaceService } from '../../functions/core/engine.ts';
import type { Face } from '../../functions/core/types.ts';
import { httpHandlers } from '../../functions/handlers/registry.ts';
import type { HttpHandler } from '../../functions/http/dispatch.ts';
import { ROUTES } from '../../functions/http/routes.ts';
import { type ModelSummary, summarizeModels } from '../../functions/shared/model-summary.ts';
import { logger } from '../../functions/shared/observability.ts';
import { createRuntime } from '../../functions/shared/runtime.ts';
import { runtimeConfig } from '../../functions/shared/runtime-config.ts';
import { asDetected } from '../core/fixtures.ts';
import { assertConforms } from '../http/openapi.ts';
import { cropJpeg, demoPhoto } from '../http/photos.ts';
import { fixtureEvent, withBody } from './events.ts';

const UPLOAD_BUCKET = 'faceverify-test-uploads';
let detect: HttpHandler;
let verify: HttpHandler;
let uploads: HttpHandler;
let meta: HttpHandler;
let engine: FaceService;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: Record<string, unknown> };
  result: APIGatewayProxyStructuredResultV2;
}

async function call(handler: HttpHandler, event: ReturnType<typeof fixtureEvent>): Promise<Answer> {
  const result = await handler(event, { awsRequestId: 'test-invocation' });
  const status = result.statusCode ?? 0;
  const body = JSON.parse(result.body ?? 'null');
  assertConforms(event.routeKey, status, body);
  return { status, body, result };
}

let group: Buffer;
let faces: Face[];

beforeAll(async () => {
  process.env.AWS_MAX_ATTEMPTS = '1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  // As Lambda provides them; the S3 endpoint is a closed local port, so no call leaves the machine.
  const runtime = createRuntime(
    runtimeConfig({ UPLOAD_BUCKET: UPLOAD_BUCKET, FACEVERIFY_S3_ENDPOINT: 'http://127.0.0.1:9' }),
  );
  ({ detect, verify, uploads, meta } = await httpHandlers(runtime));
  engine = await runtime.engine();
  group = await demoPhoto(1, 960);
  faces = (await engine.detect(group)).faces;
});

describe('the recorded events', () => {
  it('GET /health names the models the engine loaded', async () => {
    const { status, body } = await call(meta, fixtureEvent('http-api-v2-get-health.json'));
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.models).toEqual(summarizeModels(engine.models));
    // The fused embedders are named together and listed with their weights.
    const embedder = (body.models as ModelSummary).embedder;
    expect(embedder?.name).toBe(engine.embedder.name);
    expect(embedder?.parts?.map((p) => p.name)).toEqual(
      engine.models.filter((m) => m.role === 'embedder').map((m) => m.name),
    );
  });

  it('GET /openapi.json serves the OpenAPI 3.1 document', async () => {
    const { status, body } = await call(meta, fixtureEvent('http-api-v2-get-openapi.json'));
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    // Every path of the route table, no other.
    expect(Object.keys(body.paths as object).sort()).toEqual([...new Set(ROUTES.map((r) => r.path))].sort());
  });

  it('POST /detect of a blank 64×64 JPEG answers 200 with no face', async () => {
    const { status, body } = await call(detect, fixtureEvent('http-api-v2-post-detect.json'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ width: 64, height: 64, faces: [] });
  });

  it('POST /verify of two blank images answers 422 naming one of them', async () => {
    const { status, body } = await call(verify, fixtureEvent('http-api-v2-post-verify.json'));
    expect(status).toBe(422);
    expect(body.error?.code).toBe('NoFaceDetected');
    expect(['source', 'target']).toContain(body.error?.image);
  });

  it('POST /uploads without a file list answers 400 InvalidRequest', async () => {
    const { status, body } = await call(uploads, fixtureEvent('http-api-v2-post-uploads.json'));
    expect(status).toBe(400);
    expect(body.error?.code).toBe('InvalidRequest');
  });
});

describe('POST /detect with a real photo', () => {
  it('finds the faces of a base64-encoded group photo, in its pixels, with the models named', async () => {
    const { status, body } = await call(detect, withBody('http-api-v2-post-detect.json', group));
    expect(status).toBe(200);
    expect(body).toMatchObject({ width: 960, height: 640 });
    expect(body.faces).toEqual(faces);
    expect(body.model).toEqual(summarizeModels(engine.models));
  });

  it('adds an aligned PNG crop per face with crops=true, and honours maxFaces', async () => {
    const event = withBody('http-api-v2-post-detect.json', group, 'crops=true&maxFaces=2');
    const { body } = await call(detect, event);
    const detected = body.faces as (Face & { crop: string })[];
    expect(detected).toHaveLength(2);
    for (const face of detected) {
      const crop = await sharp(Buffer.from(face.crop, 'base64')).metadata();
      expect(crop.format).toBe('png');
      expect(crop.width).toBe(crop.height);
    }
  });

  it('refuses an s3 reference to any bucket but the upload bucket, without reading it', async () => {
    const event = withBody('http-api-v2-post-detect.json', {
      image: { s3: { bucket: 'elsewhere', key: 'a.jpg' } },
    });
    const { status, body } = await call(detect, event);
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ code: 'Forbidden', image: 'image' });
  });

  it('answers a failure of its own (S3 unreachable) with a 500 that names the request, not the cause', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const event = withBody('http-api-v2-post-detect.json', {
      image: { s3: { bucket: UPLOAD_BUCKET, key: 'a.jpg' } },
    });
    const { status, body } = await call(detect, event);
    expect(status).toBe(500);
    expect(body.error).toEqual({
      code: 'InternalError',
      message: `The service failed to answer (request ${event.requestContext.requestId}).`,
    });
    expect(errors).toHaveBeenCalledWith('request failed', expect.objectContaining({ route: 'POST /detect' }));
    errors.mockRestore();
  });
});

describe('POST /verify with real photos', () => {
  let sameSimilarity: number;

  it('matches a portrait cut from a group photo with its face there', async () => {
    const portrait = await cropJpeg(group, (faces[0] as Face).box);
    const event = withBody('http-api-v2-post-verify.json', {
      source: portrait.toString('base64'),
      target: `data:image/jpeg;base64,${group.toString('base64')}`,
      allTargetFaces: true,
    });
    const { status, body } = await call(verify, event);
    expect(status).toBe(200);
    expect(body).toMatchObject({ match: true, threshold: engine.threshold });
    expect(asDetected(body.target as Face)).toEqual(asDetected(faces[0] as Face));
    sameSimilarity = body.similarity as number;
    expect(sameSimilarity).toBeGreaterThanOrEqual(engine.threshold);
    const matched = (body.faceMatches as { face: Face }[]).map((m) => asDetected(m.face));
    expect(matched).toContainEqual(asDetected(faces[0] as Face));
    expect(matched.length + (body.unmatchedFaces as Face[]).length).toBe(faces.length);
  });

  it('scores two different people below one person twice, and applies the threshold asked for', async () => {
    const [first, second] = await Promise.all(faces.slice(0, 2).map((face) => cropJpeg(group, face.box)));
    const event = withBody('http-api-v2-post-verify.json', {
      source: first?.toString('base64'),
      target: second?.toString('base64'),
      threshold: 0.99,
    });
    const { status, body } = await call(verify, event);
    expect(status).toBe(200);
    expect(body.similarity).toBeLessThan(sameSimilarity);
    expect(body).toMatchObject({ threshold: 0.99, match: (body.similarity as number) >= 0.99 });
    expect(body).not.toHaveProperty('faceMatches');
  });

  it('logs sizes and outcome, never the image data', async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    logger.setLogLevel('INFO');
    try {
      const portrait = await cropJpeg(group, (faces[0] as Face).box);
      const base64 = portrait.toString('base64');
      await call(verify, withBody('http-api-v2-post-verify.json', { source: base64, target: base64 }));
      const log = lines.join('');
      const request = JSON.parse(lines.find((line) => line.includes('"message":"request"')) ?? '{}');
      expect(request).toMatchObject({
        route: 'POST /verify',
        status: 200,
        sourceBytes: portrait.length,
        match: true,
      });
      expect(log).not.toContain(base64.slice(1000, 1100));
      expect(log).not.toMatch(/[A-Za-z0-9+/]{200}/);
    } finally {
      logger.setLogLevel('ERROR');
      write.mockRestore();
    }
  });
});
