/** The `faceverify` command (bin/faceverify.js runs this file through tsx). */
import { engineConfig } from '../shared/engine-config.ts';
import { runCli } from './run.ts';

// `faceverify detect … | head` closes stdout early: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // Loaded only when a command runs, so --help and usage errors answer at once.
    loadEngine: async () => (await import('../core/engine.ts')).FaceEngine.load(engineConfig(process.env)),
  });
} catch (error) {
  process.stderr.write(`faceverify: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
}
