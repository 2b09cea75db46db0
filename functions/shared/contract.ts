/**
 * What the runtime and its deployment agree on: the environment variables the functions, the local
 * server and the CLI read, and the settings both sides build on. `infra/` imports this module; nothing
 * under `functions/` imports `infra/`, so no CDK code can reach a Lambda bundle.
 */

/**
 * The Lambda functions, by name: infra/functions.ts sizes each one, the route table
 * (functions/http/routes.ts) says which serves each route, and functions/lambda/<name>.ts is its entry.
 */
export const FUNCTION_NAMES = ['detect', 'verify', 'uploads', 'meta', 'collections', 'drop'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
/** The functions behind the HTTP API; `drop` is fed by its queue. */
export type HttpFunctionName = Exclude<FunctionName, 'drop'>;

/**
 * Who may call the API's caller-authorized routes: `jwt` a bearer token from the OpenID Provider, `iam`
 * SigV4-signed requests, `none` anyone. The deploy's `auth` switch, the local server's FACEVERIFY_AUTH.
 */
export const AUTH_MODES = ['iam', 'jwt', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Environment variable names, by what they set. */
export const ENVIRONMENT = {
  /** The drop folder's bucket (drop handler); set by infra/drop-folder.ts, and by the local server. */
  dropBucket: 'DROP_BUCKET',
  /** The presigned-upload bucket (uploads writes, detect and verify read); set by infra/upload-bucket.ts. */
  uploadBucket: 'UPLOAD_BUCKET',
  /** Folder of the built models; the Lambda image's Dockerfile sets it. Default: this checkout's build. */
  modelsDir: 'FACEVERIFY_MODELS_DIR',
  /** Where `npm start` and the CLI keep their data: the collections database, the local S3's objects. */
  dataDir: 'FACEVERIFY_DATA_DIR',
  /** The face detector the engine loads (the deployment's `detector` context switch). */
  detector: 'FACEVERIFY_DETECTOR',
  /** The collections table (DynamoDB) and vector bucket (Amazon S3 Vectors); set by infra/collections-store.ts. */
  collectionsTable: 'COLLECTIONS_TABLE',
  vectorBucket: 'VECTOR_BUCKET',
  /** The local S3 endpoint, set by the local server; unset on AWS. */
  s3Endpoint: 'FACEVERIFY_S3_ENDPOINT',
  /** The web page's origin when it is not the API's own. */
  corsOrigin: 'CORS_ORIGIN',
  /**
   * Engine worker threads (functions/core/engine-pool.ts) of the CLI, `npm start` and the Lambda
   * functions: default one per core the process sees; 1 runs the engine on the main thread.
   */
  workers: 'FACEVERIFY_WORKERS',
  /** The CLI: images or pairs processed at once. */
  concurrency: 'FACEVERIFY_CONCURRENCY',
  /** The auth mode (AUTH_MODES) the API runs in: set on every function by the CDK, and read by `npm start`. */
  auth: 'FACEVERIFY_AUTH',
  /** The local server (functions/local/main.ts): its user, ports and work bounds. */
  devUser: 'FACEVERIFY_DEV_USER',
  devPassword: 'FACEVERIFY_DEV_PASSWORD',
  maxInFlight: 'FACEVERIFY_MAX_IN_FLIGHT',
  queue: 'FACEVERIFY_QUEUE',
  queueTimeoutMs: 'FACEVERIFY_QUEUE_TIMEOUT_MS',
  port: 'PORT',
  s3Port: 'S3_PORT',
  idpPort: 'IDP_PORT',
  /** Read by Powertools itself: see powertoolsEnvironment. */
  powertoolsService: 'POWERTOOLS_SERVICE_NAME',
  powertoolsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/**
 * Powertools' service name (the log field and metric dimension `service`) and metric namespace for one
 * Lambda function (`faceverify-detect`), or for a process that serves them all (`faceverify`). The CDK
 * sets them on each function; observability.ts fills them in where they are unset.
 */
export function powertoolsEnvironment(functionName?: string): Record<string, string> {
  return {
    [ENVIRONMENT.powertoolsService]: functionName ? `faceverify-${functionName}` : 'faceverify',
    [ENVIRONMENT.powertoolsNamespace]: 'FaceVerify',
  };
}

/**
 * The drop folder's top-level folders: jobs arrive in `incoming/` (pairs, detect) and `enrol/`
 * (photos to enrol in a collection), answers are written to `results/`.
 */
export const DROP_PREFIXES = { incoming: 'incoming/', enrol: 'enrol/', results: 'results/' } as const;

/** The prefixes whose uploads are jobs: what S3 notifies the queue of, and the local watcher watches. */
export const DROP_JOB_PREFIXES = [DROP_PREFIXES.incoming, DROP_PREFIXES.enrol] as const;

/** How the drop handler drains its queue (the SQS event source on AWS, the drop watcher locally). */
export const DROP_QUEUE = {
  /** Small batches: one failed pair is retried alone (reportBatchItemFailures) and a batch fits the timeout. */
  batchSize: 4,
  /** Caps the drop folder's share of the account's concurrency, so a bulk drop cannot starve the API. */
  maxConcurrency: 5,
  /** A pair that failed this often is a poison message: park it in the dead-letter queue. */
  maxReceiveCount: 3,
  /** How long a parked message, and so the `incoming/` object it names, stays redrivable. */
  retentionDays: 7,
} as const;
