/** The `faceverify` command (bin/faceverify.js runs this file through tsx). */
import { decodeLimits } from '../shared/read-image.ts';
import { collectionsConfig, engineConfig, workerCount } from '../shared/runtime-config.ts';
import { batchConcurrency, runCli } from './run.ts';

// The configuration, read once here: the engine loads with it, and files are read within its limits.
const config = engineConfig(process.env);
const collections = collectionsConfig(process.env);
const workers = workerCount(process.env);
// Loaded only when a command runs, so --help and usage errors answer at once; at most once.
let engine: Promise<import('../core/engine.ts').FaceService> | undefined;
const loadEngine = () => {
  engine ??= import('../shared/face-service.ts').then(({ startFaceService }) =>
    startFaceService(config, workers, ({ threadId, exitCode }) => {
      process.stderr.write(
        `faceverify: engine worker ${threadId} stopped (exit code ${exitCode}); replacing it\n`,
      );
    }),
  );
  return engine;
};

// `faceverify detect … | head` closes stdout early: stop quietly, once the engine's workers have
// answered what they run (a worker stopped inside a model run aborts the process).
let stopping = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (stopping) return;
  stopping = true;
  (engine ?? Promise.resolve(undefined))
    .then((loaded) => loaded?.close())
    .catch(() => {})
    .then(() => process.exit(0));
});

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    limits: decodeLimits(config),
    concurrency: batchConcurrency(workers),
    loadEngine,
    // The store `npm start` uses: a collection the CLI fills is searchable through the API.
    loadCollections: async () => {
      if (collections.store !== 'sqlite')
        throw new Error('the CLI works on the local collections database only');
      const [{ Collections }, { openSqliteCollectionStore }, faceEngine] = await Promise.all([
        import('../collections/collections.ts'),
        import('../collections/sqlite-store.ts'),
        loadEngine(),
      ]);
      return new Collections(openSqliteCollectionStore(collections), faceEngine);
    },
  });
} catch (error) {
  process.stderr.write(`faceverify: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
}
