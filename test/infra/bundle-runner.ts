/** Starts a bundled handler with plain `node` in a child process and returns what it answered. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const RUNNER = new URL('fixtures/invoke-handler.mjs', import.meta.url).pathname;
const RESULT_MARKER = '@@faceverify-result@@';

export interface Invocation<T = unknown> {
  readonly result: T;
  readonly initMs: number;
  readonly invokeMs: number;
  /** The Node.js version that ran the handler (`process.version`). */
  readonly node: string;
  readonly stdout: string;
}

/**
 * Only the variables Lambda would set, plus dummy credentials and an endpoint on a closed local port:
 * any AWS call fails fast on this machine instead of leaving it.
 */
export function lambdaEnvironment(taskRoot: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: 'faceverify-bundle-test',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    NODE_OPTIONS: '--enable-source-maps',
    ...extra,
  };
}

export async function invokeBundle<T>(
  bundle: string,
  eventPath: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<Invocation<T>> {
  const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, bundle, eventPath], {
    cwd: env.LAMBDA_TASK_ROOT,
    env,
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`${bundle} printed no result:\n${stdout}`);
  return { ...JSON.parse(line.slice(RESULT_MARKER.length)), stdout };
}
