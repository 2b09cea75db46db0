/** Where `npm start` and the CLI keep their data, resolved when an entry point asks (never at import). */
import { resolve } from 'node:path';
import { ENVIRONMENT } from './contract.ts';

/** FACEVERIFY_DATA_DIR, else `.faceverify/` in the working directory; absolute. */
export function dataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env[ENVIRONMENT.dataDir];
  return resolve(cwd, configured ? configured : '.faceverify');
}
