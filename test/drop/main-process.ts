/** `npm start`'s entry as a real child process on a data folder of a test's, to kill (-9) and start again. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { S3Client } from '@aws-sdk/client-s3';
import { ENVIRONMENT } from '../../functions/shared/contract.ts';
import { createS3Client } from '../../functions/shared/s3.ts';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface RunningMain {
  child: ChildProcess;
  /** The API's base URL, ending in `/`. */
  url: string;
  client: S3Client;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.ts in one process (tsx's CLI would add a second, which `kill -9` would miss). */
export async function startMain(dataDir: string, tmpDir: string): Promise<RunningMain> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      [ENVIRONMENT.dataDir]: dataDir,
      [ENVIRONMENT.port]: '0',
      [ENVIRONMENT.s3Port]: '0',
      [ENVIRONMENT.idpPort]: '0',
      [ENVIRONMENT.auth]: 'none',
      TMPDIR: tmpDir,
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  const [url, endpoint] = await new Promise<[string, string]>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /web page: (http:\/\/\S+) · local S3: (http:\/\/\S+)/.exec(output);
      if (found?.[1] && found[2]) resolve([found[1], found[2]]);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    exited.then(({ code, signal }) => reject(new Error(`main.ts exited (${code ?? signal}):\n${output}`)));
  });
  return { child, url, client: createS3Client(endpoint), exited };
}
