/** Command-line arguments → a validated command. Pure: no models, no files. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SIMILARITY_RANGE } from '../core/compare.ts';
import { DEFAULT_DETECT_OPTIONS, DETECT_OPTION_RANGES } from '../core/detector.ts';
import { DEFAULT_MODELS } from '../core/engine.ts';

const { minScore: MIN_SCORE, maxFaces: MAX_FACES } = DETECT_OPTION_RANGES;

export const USAGE = `Usage:
  faceverify detect FILE... [--json] [--min-score S] [--max-faces N]
  faceverify verify A B [--json] [--threshold T]
  faceverify verify --pairs FILE.tsv [--json] [--threshold T]
  faceverify collection create|list|delete|index|search|faces|forget ...   (faceverify collection --help)
  faceverify --help

Commands:
  detect      Find the faces in each image: box, score and five landmarks, largest face first.
  verify      Tell whether two photos show the same person (the largest face of each is compared).
  collection  Enrol people's faces and search them by photo (1:N); see faceverify collection --help.

Options:
  --json           One JSON line per file or pair, in input order, written as soon as it is ready.
  --min-score S    Lowest detection score kept, from ${MIN_SCORE.min} to ${MIN_SCORE.max} (default ${DEFAULT_DETECT_OPTIONS.minScore}).
  --max-faces N    Most faces reported per image, a whole number from ${MAX_FACES.min} to ${MAX_FACES.max} (default ${DEFAULT_DETECT_OPTIONS.maxFaces}).
  --threshold T    Similarity a match needs, from ${SIMILARITY_RANGE.min} to ${SIMILARITY_RANGE.max} (default: the model's calibrated threshold).
  --pairs FILE     A tab-separated file with one "pathA<TAB>pathB" pair per line. Blank lines and
                   lines starting with # are skipped; relative paths are relative to the TSV's folder.
  -h, --help       Show this help.

Output (--json, one line each, in input order):
  detect          {"file","width","height","faces":[{"box","score","landmarks"}]} per file
  verify A B      {"match","similarity","threshold","source","target"}
  verify --pairs  the same preceded by "a","b" (paths as written in the TSV) and "line" (its number)
  A file or pair that fails (missing, not an image, no face...) gets {...,"error":{"code","message"}}
  on its line instead, and the run goes on.

Exit status: 0 when the run completed, even if some lines carry errors; 1 when the face models
cannot be loaded; 2 for a usage error.

Environment:
  FACEVERIFY_MODELS_DIR    Folder of the built models (default: layers/models/build of this checkout).
  FACEVERIFY_CONCURRENCY   Images or pairs processed at once (default 2).
  FACEVERIFY_DETECTOR      Face detector (default ${DEFAULT_MODELS.detector}; mtcnn has MIT weights,
                           RetinaFace's are for non-commercial research).
`;

export type Command =
  | { kind: 'help' }
  | { kind: 'detect'; files: string[]; json: boolean; minScore?: number; maxFaces?: number }
  | { kind: 'verify'; a: string; b: string; json: boolean; threshold?: number }
  | { kind: 'pairs'; tsv: string; json: boolean; threshold?: number };

/** A mistake in the command line: reported with the usage text and exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;
const JSON_FLAG = { json: { type: 'boolean' } } as const;
const OPTIONS = {
  detect: { ...HELP, ...JSON_FLAG, 'min-score': { type: 'string' }, 'max-faces': { type: 'string' } },
  verify: { ...HELP, ...JSON_FLAG, threshold: { type: 'string' }, pairs: { type: 'string' } },
} as const;

export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given');
  if (name === '--help' || name === '-h' || name === 'help') return { kind: 'help' };
  if (name !== 'detect' && name !== 'verify') {
    throw new UsageError(
      name.startsWith('-') ? `the command comes first, found ${name}` : `unknown command "${name}"`,
    );
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    const options: ParseArgsConfig['options'] = OPTIONS[name];
    parsed = parseArgs({ args: joinNegativeNumbers(rest), options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' own messages name the option and what was wrong with it.
    throw new UsageError(oneLine(error instanceof Error ? error.message : String(error)));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const json = values.json === true;

  if (name === 'detect') {
    if (positionals.length === 0) throw new UsageError('detect needs at least one image FILE');
    const command: Command = { kind: 'detect', files: positionals, json };
    const minScore = values['min-score'];
    if (typeof minScore === 'string') {
      command.minScore = parseNumber('--min-score', minScore, MIN_SCORE.min, MIN_SCORE.max);
    }
    const maxFaces = values['max-faces'];
    if (typeof maxFaces === 'string')
      command.maxFaces = parseNumber('--max-faces', maxFaces, MAX_FACES.min, MAX_FACES.max, true);
    return command;
  }

  const threshold =
    typeof values.threshold === 'string'
      ? parseNumber('--threshold', values.threshold, SIMILARITY_RANGE.min, SIMILARITY_RANGE.max)
      : undefined;
  const withThreshold = <T extends object>(command: T): T & { threshold?: number } =>
    threshold === undefined ? command : { ...command, threshold };
  if (typeof values.pairs === 'string') {
    if (values.pairs === '') throw new UsageError('--pairs needs a FILE.tsv');
    if (positionals.length > 0) {
      throw new UsageError(`verify --pairs takes no image arguments, found ${positionals.join(' ')}`);
    }
    return withThreshold({ kind: 'pairs', tsv: values.pairs, json });
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      `verify needs two images A and B (or --pairs FILE.tsv), found ${positionals.length}`,
    );
  }
  const [a, b] = positionals as [string, string];
  return withThreshold({ kind: 'verify', a, b, json });
}

const NUMBER_OPTIONS = new Set(['--min-score', '--max-faces', '--threshold']);

/** `--threshold -0.2` as `--threshold=-0.2`: parseArgs would take a leading dash for an option. */
function joinNegativeNumbers(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (arg === '--') return [...out, ...args.slice(i)];
    if (NUMBER_OPTIONS.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A finite decimal number within [min, max] (a whole one when `integer`), else a UsageError. */
export function parseNumber(option: string, text: string, min: number, max: number, integer = false): number {
  const value = DECIMAL.test(text.trim()) ? Number(text) : Number.NaN;
  const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const range = `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;
    throw new UsageError(`${option} must be ${range}, got "${text}"`);
  }
  return value;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
