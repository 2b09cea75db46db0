/**
 * The one list of Lambda functions (each a handler module, its memory and its timeout), shared by
 * `build-lambda.ts` (what to bundle) and `FaceFunctions` (what to deploy), so the image and the stack
 * cannot disagree. Free of CDK imports on purpose: the build script loads it without aws-cdk-lib.
 *
 * Sizing from `npm run bench` (docs/benchmarks.md, "Lambda sizing"): a verification of two ~1920 px
 * photos costs ≈0.19 CPU-seconds, a tiled detection of one ≈0.33 s; peak RSS stays near 400 MB with one
 * engine, ≈600 MB with two workers. Lambda gives one vCPU per 1,769 MB and the engine runs one worker
 * thread per vCPU it sees (FACEVERIFY_WORKERS unset: os.availableParallelism()).
 * - 3,008 MB (≈1.7 vCPUs) for verify and the drop folder: a verification's two photos run on two
 *   workers at once, so the extra CPU cuts its latency by about a third at about the same cost per
 *   verification. 3,008 MB, not the 3,538 MB of two full vCPUs: new accounts' functions are limited to
 *   3,008 MB until a quota increase, and past two cores nothing more is bought, since one invocation
 *   runs one verification (two photos) at a time.
 * - 2,048 MB for detect and collections: one photo per request runs on one worker, so a second vCPU
 *   would only add cost; the ≈280 MB over one vCPU is headroom for decoding a 12-megapixel photo next to
 *   the model sessions.
 * - 512 MB for the routes that load no model: enough CPU to start the AWS SDK quickly.
 * - Timeouts stay under the HTTP API's 30 s integration limit and bound a pathological image's cost.
 * - No reserved or provisioned concurrency: a new account's 10-execution quota cannot reserve any,
 *   and provisioned instances cost money idle. The API stage throttle and DROP_QUEUE.maxConcurrency (functions/shared/contract.ts)
 *   bound concurrency instead.
 */

import { FUNCTION_NAMES, type FunctionName } from '../functions/shared/contract.ts';

export { FUNCTION_NAMES, type FunctionName };

/**
 * x86_64. Both native modules ship Linux CPU builds for x64 and arm64 (glibc), so support does not decide;
 * the build does: npm installs only the host's sharp binary, so the x64 machines that run
 * `build:lambda` (developers, CI) produce, and start in tests, exactly the folder the image ships.
 * arm64 is ≈20% cheaper per GB-second: switch `arch` here once the folder is built and tested on arm64
 * (build-lambda says which package to add).
 */
/** `node`: the Lambda runtime's Node.js (infra/Dockerfile's base image), which esbuild compiles for. */
export const TARGET = { platform: 'linux', arch: 'x64', libc: 'glibc', node: 'node24' } as const;

export interface FunctionSpec {
  /** Module under the repository root whose `handler` export Lambda calls: functions/lambda/<name>.ts. */
  readonly entry: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
}

/** Each function of the one list (FUNCTION_NAMES, functions/shared/contract.ts), sized. */
export const FUNCTIONS = {
  detect: { entry: 'functions/lambda/detect.ts', memoryMiB: 2048, timeoutSeconds: 15 },
  verify: { entry: 'functions/lambda/verify.ts', memoryMiB: 3008, timeoutSeconds: 20 },
  uploads: { entry: 'functions/lambda/uploads.ts', memoryMiB: 512, timeoutSeconds: 5 },
  meta: { entry: 'functions/lambda/meta.ts', memoryMiB: 512, timeoutSeconds: 5 },
  // Enrolment and search embed a photo as verify embeds one side, then call DynamoDB and S3 Vectors.
  collections: { entry: 'functions/lambda/collections.ts', memoryMiB: 2048, timeoutSeconds: 20 },
  // One SQS batch of DROP_QUEUE.batchSize pairs, each up to a verification, plus a cold start.
  drop: { entry: 'functions/lambda/drop.ts', memoryMiB: 3008, timeoutSeconds: 60 },
} as const satisfies Record<FunctionName, FunctionSpec>;

/** Layout of the folder `build-lambda.ts` writes and the Dockerfile copies. */
export const BUNDLE = {
  /** Bundles are ES modules: top-level await lets a handler load its models during init. */
  extension: '.mjs',
  modelsDir: 'models',
  /**
   * The engine pool's worker thread (functions/core/engine-pool.ts), bundled on its own next to the
   * handlers: the pool starts `<name>.mjs` beside the bundle that runs it.
   */
  engineWorker: { name: 'engine-worker', entry: 'functions/core/engine-worker.ts' },
  /** Packages left out of the bundles: native code, copied into node_modules trimmed to TARGET. */
  nativePackages: ['onnxruntime-node', 'sharp'],
} as const;

/** The image CMD that selects one handler: Lambda resolves `<file>.handler` in the task root. */
export function imageCommand(name: FunctionName): string[] {
  return [`${name}.handler`];
}
