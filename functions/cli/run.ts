/** The CLI's commands over one loaded engine: read files, run, stream one line (or block) per input. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Collections } from '../collections/collections.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../core/decode.ts';
import { type FaceService, type ImageRole, settlePair } from '../core/engine.ts';
import { FaceVerifyError } from '../core/errors.ts';
import type { DetectOptions, VerifyResult } from '../core/types.ts';
import { CALLS_PER_WORKER } from '../core/worker-protocol.ts';
import { ENVIRONMENT } from '../shared/contract.ts';
import { PreparedImageCache } from '../shared/prepared-images.ts';
import { fileError, readImage } from '../shared/read-image.ts';
import { type Command, parseCommand, parseNumber, USAGE, UsageError } from './args.ts';
import { attempt, describe, type ItemResult } from './attempt.ts';
import { runCollectionCommand } from './collection.ts';
import { COLLECTION_USAGE, type CollectionCommand, parseCollectionCommand } from './collection-args.ts';
import {
  detectJson,
  errorLine,
  formatDetection,
  formatError,
  formatPair,
  formatTally,
  formatVerification,
  type PairTally,
  pairJson,
  verifyJson,
} from './format.ts';
import { isPair, type PairEntry, parsePairs } from './pairs.ts';
import { Progress, type ProgressOptions } from './progress.ts';
import { mapOrdered } from './stream.ts';

/** What the CLI needs of the engine (a fake in the unit tests). */
export type Engine = Pick<FaceService, 'detect' | 'prepare' | 'compare'>;

export interface Writer {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface CliContext {
  stdout: Writer;
  stderr: Writer & { isTTY?: boolean };
  loadEngine(): Promise<Engine>;
  /** The collections service over the local store, for `faceverify collection`. */
  loadCollections?(): Promise<Collections>;
  env?: Record<string, string | undefined>;
  /** The loaded engine's decode limits: a larger file is refused unread (default DEFAULT_DECODE_LIMITS). */
  limits?: Pick<DecodeLimits, 'maxBytes'>;
  /** Images or pairs in flight without FACEVERIFY_CONCURRENCY (default DEFAULT_CONCURRENCY; see batchConcurrency). */
  concurrency?: number;
}

/** Images or pairs in flight on one engine: one decodes and detects while another runs its models. */
export const DEFAULT_CONCURRENCY = 2;

/**
 * Images or pairs in flight that keep `workers` engine workers busy: each holds CALLS_PER_WORKER
 * calls, and a pair is two, so twice that many pairs leave none idle while earlier answers stream out
 * in order.
 */
export function batchConcurrency(workers: number): number {
  return workers === 1 ? DEFAULT_CONCURRENCY : 2 * CALLS_PER_WORKER * workers;
}

/** Runs one command line; resolves to the exit status (0 ran, 1 models failed to load, 2 usage). */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv[0] === 'collection') return runCollectionCli(argv.slice(1), ctx);
  let command: Command;
  let concurrency: number;
  let pairs: PairEntry[] = [];
  try {
    command = parseCommand(argv);
    concurrency = concurrencyOf(ctx);
    if (command.kind === 'pairs') pairs = await readPairs(command.tsv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    ctx.stderr.write(`faceverify: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === 'help') {
    await write(ctx.stdout, USAGE);
    return 0;
  }

  let engine: Engine;
  try {
    engine = await ctx.loadEngine();
  } catch (error) {
    ctx.stderr.write(`faceverify: cannot load the face models: ${describe(error)}\n`);
    return 1;
  }

  const out = (text: string) => write(ctx.stdout, `${text}\n`);
  const limits = ctx.limits ?? DEFAULT_DECODE_LIMITS;
  const read: ReadFile = (path, image) => readImage({ file: path }, { shown: path, image }, limits);
  switch (command.kind) {
    case 'detect':
      await detectFiles(engine, read, command, concurrency, out, ctx.stderr);
      break;
    case 'verify':
      await verifyOne(new PreparedImageCache(engine), engine, read, command, out);
      break;
    case 'pairs':
      await verifyPairs(
        new PreparedImageCache(engine),
        engine,
        read,
        pairs,
        command,
        concurrency,
        out,
        ctx.stderr,
      );
      break;
  }
  return 0;
}

/** FACEVERIFY_CONCURRENCY, else the context's default; a UsageError when it is not a whole number 1–64. */
function concurrencyOf({ env, concurrency = DEFAULT_CONCURRENCY }: CliContext): number {
  const fromEnv = env?.[ENVIRONMENT.concurrency];
  return fromEnv ? parseNumber(ENVIRONMENT.concurrency, fromEnv, 1, 64, true) : concurrency;
}

/** `faceverify collection …`: usage errors exit 2, a store or models that cannot load 1. */
async function runCollectionCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv.includes('--help')) {
    await write(argv.length === 0 ? ctx.stderr : ctx.stdout, COLLECTION_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  let command: CollectionCommand;
  let concurrency: number;
  try {
    command = parseCollectionCommand(argv);
    concurrency = concurrencyOf(ctx);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    ctx.stderr.write(`faceverify: ${error.message}\n\n${COLLECTION_USAGE}`);
    return 2;
  }
  let collections: Collections;
  try {
    if (!ctx.loadCollections) throw new Error('collections are not available here');
    collections = await ctx.loadCollections();
  } catch (error) {
    ctx.stderr.write(`faceverify: cannot open the collections or load the face models: ${describe(error)}\n`);
    return 1;
  }
  const limits = ctx.limits ?? DEFAULT_DECODE_LIMITS;
  try {
    await runCollectionCommand(command, {
      collections,
      out: (text) => write(ctx.stdout, `${text}\n`),
      stderr: ctx.stderr,
      concurrency,
      read: (path) => readImage({ file: path }, { shown: path }, limits),
    });
    return 0;
  } catch (error) {
    // A collection that is missing, of another model…: the command's answer, not a crash.
    if (!(error instanceof FaceVerifyError)) throw error;
    if (command.json) await write(ctx.stdout, `${JSON.stringify({ error: error.toJSON() })}\n`);
    else ctx.stderr.write(`faceverify: ${error.message}\n`);
    return 3;
  } finally {
    await collections.close();
  }
}

type Out = (text: string) => void | Promise<void>;
/** A file's bytes, or a FaceVerifyError naming it (and `image`, one of a pair, when given). */
type ReadFile = (path: string, image?: ImageRole) => Promise<Uint8Array>;

async function detectFiles(
  engine: Engine,
  read: ReadFile,
  command: Extract<Command, { kind: 'detect' }>,
  concurrency: number,
  out: Out,
  stderr: ProgressOptions['stream'],
): Promise<void> {
  const options: DetectOptions = {};
  if (command.minScore !== undefined) options.minScore = command.minScore;
  if (command.maxFaces !== undefined) options.maxFaces = command.maxFaces;
  const progress = new Progress({ total: command.files.length, unit: 'images', stream: stderr });
  await mapOrdered(
    command.files,
    concurrency,
    (file) => attempt(file, async () => engine.detect(await read(file), options)),
    (outcome, index) => {
      progress.tick(outcome.ok);
      const file = command.files[index] as string;
      if (command.json) {
        const line = outcome.ok ? detectJson(file, outcome.value) : errorLine({ file }, outcome.error);
        return out(JSON.stringify(line));
      }
      return out(outcome.ok ? formatDetection(file, outcome.value) : formatError(file, outcome.error));
    },
  );
  progress.finish();
}

async function verifyOne(
  cache: PreparedImageCache,
  engine: Engine,
  read: ReadFile,
  command: Extract<Command, { kind: 'verify' }>,
  out: Out,
): Promise<void> {
  const { a, b, threshold } = command;
  const outcome = await attempt(`${a} and ${b}`, () => verifyFiles(cache, engine, read, a, b, threshold));
  if (command.json) {
    return out(JSON.stringify(outcome.ok ? verifyJson(outcome.value) : errorLine({ a, b }, outcome.error)));
  }
  return out(outcome.ok ? formatVerification(a, b, outcome.value) : formatError(`${a}  ${b}`, outcome.error));
}

async function verifyPairs(
  cache: PreparedImageCache,
  engine: Engine,
  read: ReadFile,
  entries: readonly PairEntry[],
  command: Extract<Command, { kind: 'pairs' }>,
  concurrency: number,
  out: Out,
  stderr: ProgressOptions['stream'],
): Promise<void> {
  const tally: PairTally = { same: 0, different: 0, errors: 0 };
  const progress = new Progress({ total: entries.length, unit: 'pairs', stream: stderr });
  await mapOrdered(
    entries,
    concurrency,
    async (entry): Promise<ItemResult<VerifyResult>> => {
      if (!isPair(entry)) return { ok: false, error: entry.error };
      const context = `line ${entry.line} of ${command.tsv}`;
      return attempt(context, () =>
        verifyFiles(cache, engine, read, entry.pathA, entry.pathB, command.threshold),
      );
    },
    (outcome, index) => {
      const entry = entries[index] as PairEntry;
      const ref = isPair(entry)
        ? { a: entry.a, b: entry.b, line: entry.line }
        : { a: null, b: null, line: entry.line };
      progress.tick(outcome.ok);
      if (!outcome.ok) tally.errors++;
      else if (outcome.value.match) tally.same++;
      else tally.different++;
      if (command.json) {
        return out(JSON.stringify(outcome.ok ? pairJson(ref, outcome.value) : errorLine(ref, outcome.error)));
      }
      const label = ref.a === null ? `line ${ref.line}` : `${ref.a}  ${ref.b}`;
      return out(outcome.ok ? formatPair(ref, outcome.value) : formatError(label, outcome.error));
    },
  );
  progress.finish();
  if (!command.json) await out(formatTally(tally));
}

/**
 * Reads and verifies one pair, each image's faces and embeddings taken from the run's cache when the
 * same bytes were seen before. Every FaceVerifyError names the image it concerns (`details.image`:
 * 'source' for A, 'target' for B), and a pair gets the error FaceEngine.verify would give it.
 */
async function verifyFiles(
  cache: PreparedImageCache,
  engine: Engine,
  read: ReadFile,
  pathA: string,
  pathB: string,
  threshold: number | undefined,
): Promise<VerifyResult> {
  const [a, b] = await Promise.allSettled([read(pathA, 'source'), read(pathB, 'target')]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  const [source, target] = await settlePair(
    cache.prepare(a.value, 'source'),
    cache.prepare(b.value, 'target'),
  );
  return engine.compare(source, target, threshold === undefined ? {} : { threshold });
}

async function readPairs(tsv: string): Promise<PairEntry[]> {
  let text: string;
  try {
    text = await readFile(tsv, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the pairs file: ${fileError(error, tsv).message}`);
  }
  return parsePairs(text, dirname(resolve(tsv)));
}

function write(stream: Writer, text: string): void | Promise<void> {
  if (stream.write(text)) return;
  return new Promise((done) => stream.once('drain', done));
}
