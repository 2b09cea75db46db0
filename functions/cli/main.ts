/** The `faceverify` command (bin/faceverify.js runs this file through tsx). */
import { decodeLimits } from '../shared/read-image.ts';
import { engineConfig } from '../shared/runtime-config.ts';
import { runCli } from './run.ts';

// `faceverify detect … | head` closes stdout early: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// The configuration, read once here: the engine loads with it, and files are read within its limits.
const config = engineConfig(process.env);

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    limits: decodeLimits(config),
    // Loaded only when a command runs, so --help and usage errors answer at once.
    loadEngine: async () => (await import('../core/engine.ts')).FaceEngine.load(config),
  });
} catch (error) {
  process.stderr.write(`faceverify: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
}
