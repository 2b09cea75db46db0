/**
 * The one list of Lambda functions (each a handler module, its memory and its timeout), shared by
 * `build-lambda.ts` (what to bundle) and `FaceFunctions` (what to deploy), so the image and the stack
 * cannot disagree. Free of CDK imports on purpose: the build script loads it without aws-cdk-lib.
 *
 * Sizing from `npm run bench -- --lambda-sizing` (docs/benchmarks.md, "Lambda sizing"): each memory
 * size emulated by a CPU quota on the bundled engine (Lambda gives one vCPU per 1,769 MB), each
 * function's request with 1 and 2 engine workers, warm p50 and cold start measured, cost per request
 * from the p50.
 * - 3,008 MB (≈1.7 vCPUs) for verify and the drop folder: a verification's two photos run on two
 *   workers at once. Measured: 187 ms p50 against 319 ms at 1,769 MB, for the same cost per
 *   verification ($0.0091 against $0.0092 per 1,000). 3,008 MB, not the 3,538 MB of two full vCPUs
 *   (161 ms, $0.0093): new accounts' functions are limited to 3,008 MB until a quota increase.
 * - One engine worker for the one-photo functions (`workers: 1`): a detect or an embedding runs on
 *   one worker, so a pool's worker has only onnxruntime's one thread, while a single engine's
 *   onnxruntime uses every core the quota allows; the second worker's models only add cold start
 *   (detect at 3,008 MB: 324 against 447 ms p50, cold 1.0 against 1.4 s).
 * - 3,008 MB for detect: a tiled detection needs ≈0.55 CPU-seconds; at 3,008 MB it answers in 324 ms
 *   for $0.0159 per 1,000, at 2,048 MB in 513 ms for $0.0171: faster and cheaper.
 * - 2,048 MB for collections: an embedding of one photo answers in 135 ms for $0.0045 per 1,000
 *   (3,008 MB: 114 ms for $0.0056), with headroom for decoding a 12-megapixel photo.
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
  /** FACEVERIFY_WORKERS for the function; unset: one engine worker per vCPU it sees. */
  readonly workers?: number;
}

/** Each function of the one list (FUNCTION_NAMES, functions/shared/contract.ts), sized. */
export const FUNCTIONS = {
  detect: { entry: 'functions/lambda/detect.ts', memoryMiB: 3008, timeoutSeconds: 15, workers: 1 },
  verify: { entry: 'functions/lambda/verify.ts', memoryMiB: 3008, timeoutSeconds: 20 },
  uploads: { entry: 'functions/lambda/uploads.ts', memoryMiB: 512, timeoutSeconds: 5 },
  meta: { entry: 'functions/lambda/meta.ts', memoryMiB: 512, timeoutSeconds: 5 },
  // Enrolment and search embed a photo as verify embeds one side, then call DynamoDB and S3 Vectors.
  collections: { entry: 'functions/lambda/collections.ts', memoryMiB: 2048, timeoutSeconds: 20, workers: 1 },
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
