/** One input's outcome in a batch run: its answer, or the FaceVerifyError printed on its line. */
import { FaceVerifyError } from '../core/errors.ts';

export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: FaceVerifyError };

/** FaceVerifyErrors become the input's outcome; anything else is a bug and stops the run, with context. */
export async function attempt<T>(context: string, run: () => Promise<T>): Promise<ItemResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof FaceVerifyError) return { ok: false, error };
    throw new Error(`unexpected failure on ${context}: ${describe(error)}`, { cause: error });
  }
}

/** An error's message, with its cause's. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
