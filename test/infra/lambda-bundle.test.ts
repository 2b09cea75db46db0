/**
 * The real handlers, built by `npm run build:lambda`'s own function into a folder outside the repository
 * (so Node cannot fall back on the checkout's node_modules), each started with plain `node` and invoked
 * once with the event its trigger delivers: an API Gateway HTTP API payload 2.0, or, for the drop
 * handler, an SQS batch wrapping an S3 notification. No AWS call leaves the machine (see bundle-runner).
 *
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { type BuildLambdaResult, buildLambda } from '../../infra/build-lambda.ts';
import { BUNDLE, FUNCTION_NAMES, type FunctionName } from '../../infra/functions.ts';
import { demoPhoto } from '../http/photos.ts';
import { invokeBundle, lambdaEnvironment } from './bundle-runner.ts';
import { REPO_ROOT, scratchDir } from './helpers.ts';

const EVENTS = join(REPO_ROOT, 'test', 'fixtures', 'events');

const HTTP_CASES: readonly { handler: FunctionName; event: string }[] = [
  { handler: 'meta', event: 'http-api-v2-get-health.json' },
  { handler: 'meta', event: 'http-api-v2-get-openapi.json' },
  { handler: 'detect', event: 'http-api-v2-post-detect.json' },
  { handler: 'verify', event: 'http-api-v2-post-verify.json' },
  { handler: 'uploads', event: 'http-api-v2-post-uploads.json' },
  { handler: 'collections', event: 'http-api-v2-put-collection-bad-id.json' },
];

describe('bundled handlers, started with plain node from the build folder', () => {
  let built: BuildLambdaResult;
  let env: NodeJS.ProcessEnv;
  const invoke = <T>(handler: FunctionName, event: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    invokeBundle<T>(join(built.outDir, `${handler}${BUNDLE.extension}`), resolve(EVENTS, event), {
      ...env,
      ...extraEnv,
    });

  beforeAll(async () => {
    built = await buildLambda({ outDir: scratchDir('faceverify-lambda-') });
    env = lambdaEnvironment(built.outDir, {
      [ENVIRONMENT.modelsDir]: join(built.outDir, BUNDLE.modelsDir),
      [ENVIRONMENT.dropBucket]: 'faceverify-dev-dropfolderbucket-example',
      [ENVIRONMENT.uploadBucket]: 'faceverify-dev-uploadsbucket-example',
      [ENVIRONMENT.collectionsTable]: 'faceverify-dev-collections-example',
      [ENVIRONMENT.vectorBucket]: 'faceverify-dev-vectors-example',
    });
    console.log(`build-lambda: ${(built.bytes / 1024 / 1024).toFixed(1)} MiB in ${built.outDir}`);
  }, 300_000);

  it.each(HTTP_CASES)('$handler answers $event without a server error', async ({ handler, event }) => {
    const { result, initMs, invokeMs, node } = await invoke<APIGatewayProxyStructuredResultV2>(
      handler,
      event,
    );
    console.log(
      `${handler} ${event} on Node ${node}: ${result.statusCode}, init ${initMs.toFixed(0)} ms, invoke ${invokeMs.toFixed(0)} ms`,
    );
    expect(result.statusCode).toBeGreaterThanOrEqual(200);
    expect(result.statusCode).toBeLessThan(500);
  });

  it('detect finds the faces of a group photo: sharp and onnxruntime-node load and run here', async () => {
    const body = await detectGroupPhoto({ [ENVIRONMENT.workers]: '1' });
    expect(body.width).toBe(640);
    expect(body.faces.length).toBeGreaterThanOrEqual(2);
    expect(body.model.detector.name).toEqual(expect.any(String));
  });

  it('the bundled engine worker: detect on a pool of two answers as the in-process engine does', async () => {
    expect(built.bundles).toContain(`${BUNDLE.engineWorker.name}${BUNDLE.extension}`);
    const [pooled, inProcess] = await Promise.all([
      detectGroupPhoto({ [ENVIRONMENT.workers]: '2' }),
      detectGroupPhoto({ [ENVIRONMENT.workers]: '1' }),
    ]);
    expect(pooled.faces.length).toBeGreaterThanOrEqual(2);
    expect(pooled.faces).toEqual(inProcess.faces);
  });

  /** detect of a 640 px group photo through the bundled handler: its 200 answer's body. */
  async function detectGroupPhoto(extraEnv: NodeJS.ProcessEnv) {
    const fixture = JSON.parse(readFileSync(join(EVENTS, 'http-api-v2-post-detect.json'), 'utf8'));
    const photo = await demoPhoto(1, 640);
    const event = join(built.outDir, `detect-group-photo-${extraEnv[ENVIRONMENT.workers]}.json`);
    const headers = { ...fixture.headers, 'content-length': String(photo.length) };
    writeFileSync(event, JSON.stringify({ ...fixture, headers, body: photo.toString('base64') }));
    const { result, node } = await invoke<APIGatewayProxyStructuredResultV2>('detect', event, extraEnv);
    const body = JSON.parse(result.body ?? '{}');
    console.log(
      `detect of a group photo on Node ${node}, ${JSON.stringify(extraEnv)}: ${body.faces?.length} faces`,
    );
    expect(result.statusCode).toBe(200);
    return body;
  }

  it('invokes every function of the list', () => {
    expect(new Set([...HTTP_CASES.map((c) => c.handler), 'drop'])).toEqual(new Set(FUNCTION_NAMES));
  });

  it('meta serves health and the OpenAPI document', async () => {
    expect(
      (await invoke<APIGatewayProxyStructuredResultV2>('meta', 'http-api-v2-get-health.json')).result
        .statusCode,
    ).toBe(200);
    const openapi = await invoke<APIGatewayProxyStructuredResultV2>('meta', 'http-api-v2-get-openapi.json');
    expect(openapi.result.statusCode).toBe(200);
    expect(JSON.parse(openapi.result.body ?? '{}')).toHaveProperty('openapi');
  });

  it('the SQS fixture wraps exactly the S3 notification fixture', () => {
    const sqs: SQSEvent = JSON.parse(readFileSync(join(EVENTS, 'sqs-s3-object-created.json'), 'utf8'));
    const s3 = JSON.parse(readFileSync(join(EVENTS, 's3-object-created.json'), 'utf8'));
    expect(sqs.Records.map((record) => JSON.parse(record.body))).toEqual([s3]);
  });

  it('drop reports a record it could not process as a batch item failure, to be retried alone', async () => {
    const { result } = await invoke<SQSBatchResponse>('drop', 'sqs-s3-object-created.json');
    // S3 is unreachable here, so the pair cannot be read: that record must come back for a retry.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }]);
  });

  it('drop ignores the s3:TestEvent S3 sends when the notification is set up', async () => {
    const { result } = await invoke<SQSBatchResponse | null>('drop', 'sqs-s3-test-event.json');
    expect(result?.batchItemFailures ?? []).toEqual([]);
  });
});
