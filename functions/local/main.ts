/**
 * `npm start`: the API, the web page and the local S3 endpoint in one process.
 * PORT (default 3000) and S3_PORT (default 4569) choose the ports; Ctrl-C stops it. The local S3's
 * objects (drop folder, uploads) are kept under FACEVERIFY_DATA_DIR (default `./.faceverify/`) across
 * stops and crashes; drop-folder jobs left waiting are done at the next start.
 * FACEVERIFY_MAX_IN_FLIGHT (default: the cores), FACEVERIFY_QUEUE (default 16 per slot) and
 * FACEVERIFY_QUEUE_TIMEOUT_MS (default 10000) bound /detect and /verify (limiter.ts). FACEVERIFY_WORKERS
 * (default: the cores) engine worker threads run the models, the drop folder's and the API's alike.
 *
 * FACEVERIFY_AUTH=jwt adds sign-in as a `jwt` deployment has it: a development OpenID Provider on IDP_PORT
 * (default 3002) with one user (FACEVERIFY_DEV_USER, FACEVERIFY_DEV_PASSWORD), and bearer tokens required
 * on the image routes. Without it the API is open, for a one-command quick start.
 */
import { ENVIRONMENT } from '../shared/contract.ts';
import { dataDir as resolveDataDir } from '../shared/data-dir.ts';
import { authMode, engineConfig, workerCount } from '../shared/runtime-config.ts';
import { DEFAULT_DEV_USER, startDevAuth } from './dev-auth.ts';
import type { LimiterOptions } from './limiter.ts';
import { LOCAL_BUCKETS } from './s3.ts';
import { startServer } from './server.ts';

// Everything the server runs with is read here, once; the handlers read no environment.
const mode = authMode(process.env);
if (mode === 'iam') {
  throw new Error(`${ENVIRONMENT.auth}=iam has no local stand-in: use none or jwt with npm start`);
}

function port(name: string, fallback: number): number {
  return wholeNumber(name, 0, 65_535) ?? fallback;
}

function wholeNumber(name: string, min: number, max: number): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}

const limits: Partial<LimiterOptions> = {};
const concurrency = wholeNumber(ENVIRONMENT.maxInFlight, 1, 1024);
const queue = wholeNumber(ENVIRONMENT.queue, 0, 100_000);
const queueTimeoutMs = wholeNumber(ENVIRONMENT.queueTimeoutMs, 0, 600_000);
if (concurrency !== undefined) limits.concurrency = concurrency;
if (queue !== undefined) limits.queue = queue;
if (queueTimeoutMs !== undefined) limits.queueTimeoutMs = queueTimeoutMs;

// CloudWatch reads metrics from Lambda's log stream; here they would only clutter the terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const ports = {
  port: port(ENVIRONMENT.port, 3000),
  s3Port: port(ENVIRONMENT.s3Port, 4569),
  idpPort: port(ENVIRONMENT.idpPort, 3002),
};
const user = {
  email: process.env[ENVIRONMENT.devUser] || DEFAULT_DEV_USER.email,
  password: process.env[ENVIRONMENT.devPassword] || DEFAULT_DEV_USER.password,
};
const auth =
  mode === 'jwt' ? (pageUrl: string) => startDevAuth(pageUrl, { user, idpPort: ports.idpPort }) : undefined;
const dataDir = resolveDataDir();
const server = await startServer({
  ...ports,
  engine: engineConfig(process.env),
  workers: workerCount(process.env),
  auth,
  limits,
  dataDir,
}).catch((error: NodeJS.ErrnoException & { port?: number }) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${error.port} is in use: choose others with PORT=… (now ${ports.port}), S3_PORT=… (now ${ports.s3Port}) and IDP_PORT=… (now ${ports.idpPort}).`,
  );
  process.exit(1);
});
const buckets = Object.values(LOCAL_BUCKETS).join(', ');
console.log(
  `faceverify API and web page: ${server.url} · local S3: ${server.s3.endpoint} (buckets ${buckets})`,
);
console.log(`web page files: ${server.webRoot} · API description: ${server.url}openapi.json · Ctrl-C stops`);
console.log(`data (kept across restarts): ${dataDir} · local S3 objects in ${server.s3.directory}`);
if (server.auth) {
  // The password is the development one the README documents, or the one just chosen in the environment.
  console.log(
    `sign-in required (FACEVERIFY_AUTH=jwt): OpenID Provider ${server.auth.idp.issuer} · user ${user.email} · password ${user.password}`,
  );
} else {
  console.log('open API, no sign-in (FACEVERIFY_AUTH=jwt npm start adds it)');
}
const { concurrency: slots, queue: waiting, queueTimeoutMs: deadline } = server.limiter.options;
console.log(
  `/detect and /verify: ${slots} at once, ${waiting} more wait up to ${deadline} ms, then 503 Busy`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    console.log('\nstopping…');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
