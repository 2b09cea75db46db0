/** `faceverify collection …` arguments → a validated command. Pure: no models, no files, no store. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { COLLECTION_ID, COLLECTION_LIMITS, EXTERNAL_ID } from '../collections/ids.ts';
import {
  DEFAULT_QUALITY_FILTER,
  isQualityFilter,
  QUALITY_FILTERS,
  type QualityFilter,
} from '../collections/quality-filter.ts';
import { parseNumber, UsageError } from './args.ts';

export const COLLECTION_USAGE = `Usage:
  faceverify collection create NAME [--json]
  faceverify collection list [--json]
  faceverify collection delete NAME [--json]
  faceverify collection index NAME --id ID FILE... [--max-faces N] [--quality-filter F] [--json]
  faceverify collection index NAME --dir DIR [--max-faces N] [--quality-filter F] [--json]
  faceverify collection search NAME FILE... [--max-results N] [--max-fpir P] [--threshold T] [--json]
  faceverify collection faces NAME [--id ID] [--json]
  faceverify collection forget NAME ID [--json]

Collections hold enrolled faces for 1:N search: each face's embedding, box and pose under the ID of
a person, never the photo. They live in the same database as \`npm start\`'s (FACEVERIFY_DATA_DIR,
default ./.faceverify/), in the namespace of an open server (FACEVERIFY_AUTH unset).

  create    Make an empty collection NAME (letters, digits, _ . -).
  list      The collections, with their numbers of faces and people.
  delete    Delete a collection with every face in it.
  index     Enrol each photo's face under ID; with --dir, every photo below DIR under the name of
            its folder (DIR/Ada_Lovelace/1.jpg is Ada_Lovelace, as in LFW). A photo that fails is
            reported and counted, and the run goes on; on a terminal, progress goes to stderr.
  search    Who, of the people enrolled, each photo shows: the most similar people, best first.
  faces     The enrolled faces (of one person with --id).
  forget    Delete every face of person ID (an erasure request).

Options:
  --max-faces N    Faces enrolled per photo, ${COLLECTION_LIMITS.maxFaces.min} to ${COLLECTION_LIMITS.maxFaces.max} (default 1: the photo's subject).
  --quality-filter F  Refuse faces too small, turned or poor to enrol: ${QUALITY_FILTERS.join(', ')}
                   (default ${DEFAULT_QUALITY_FILTER}; none enrols every face; see docs/collections.md).
  --max-results N  People listed per search, ${COLLECTION_LIMITS.maxResults.min} to ${COLLECTION_LIMITS.maxResults.max} (default ${COLLECTION_LIMITS.maxResults.default}).
  --max-fpir P     Accepted chance that someone not enrolled matches someone (default ${COLLECTION_LIMITS.maxFpir.default}).
  --threshold T    A fixed similarity threshold instead of the one derived from --max-fpir.
  --json           One JSON line per answer (per photo for index and search), in the HTTP API's shapes.

Exit status: 0 when the command ran (a photo that failed is reported on its line and counted); 1 when
the collections or the face models cannot be opened; 2 for a usage error; 3 when the command was
refused as a whole (no such collection, a collection of another model), said on stderr (with --json,
as {"error":{"code","message"}} on stdout).
`;

export type CollectionCommand =
  | { kind: 'create' | 'delete'; collection: string; json: boolean }
  | { kind: 'list'; json: boolean }
  | {
      kind: 'index';
      collection: string;
      source: { id: string; files: string[] } | { dir: string };
      maxFaces?: number;
      qualityFilter?: QualityFilter;
      json: boolean;
    }
  | {
      kind: 'search';
      collection: string;
      files: string[];
      maxResults?: number;
      maxFpir?: number;
      threshold?: number;
      json: boolean;
    }
  | { kind: 'faces'; collection: string; externalId?: string; json: boolean }
  | { kind: 'forget'; collection: string; externalId: string; json: boolean };

const SUBCOMMANDS = ['create', 'list', 'delete', 'index', 'search', 'faces', 'forget'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const OPTIONS = {
  json: { type: 'boolean' },
  id: { type: 'string' },
  dir: { type: 'string' },
  'max-faces': { type: 'string' },
  'quality-filter': { type: 'string' },
  'max-results': { type: 'string' },
  'max-fpir': { type: 'string' },
  threshold: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Which options each subcommand takes; any other is a usage error. */
const ALLOWED: Record<Subcommand, readonly (keyof typeof OPTIONS)[]> = {
  create: ['json'],
  list: ['json'],
  delete: ['json'],
  index: ['json', 'id', 'dir', 'max-faces', 'quality-filter'],
  search: ['json', 'max-results', 'max-fpir', 'threshold'],
  faces: ['json', 'id'],
  forget: ['json'],
};

export function parseCollectionCommand(argv: readonly string[]): CollectionCommand {
  const [sub, ...rest] = argv;
  if (!SUBCOMMANDS.includes(sub as Subcommand)) {
    throw new UsageError(
      sub === undefined
        ? `collection needs one of: ${SUBCOMMANDS.join(', ')}`
        : `unknown collection command "${sub}" (one of: ${SUBCOMMANDS.join(', ')})`,
    );
  }
  const name = sub as Subcommand;
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error));
  }
  for (const option of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (!ALLOWED[name].includes(option)) throw new UsageError(`collection ${name} takes no --${option}`);
  }
  const json = values.json === true;
  const text = (option: keyof typeof OPTIONS) => values[option] as string | undefined;
  if (name === 'list') {
    if (positionals.length) throw new UsageError('collection list takes no arguments');
    return { kind: 'list', json };
  }
  const [collection, ...args] = positionals;
  if (collection === undefined) throw new UsageError(`collection ${name} needs the collection's NAME`);
  if (!COLLECTION_ID.test(collection)) {
    throw new UsageError(`NAME must be letters, digits and _ . - (1 to 128), got "${collection}"`);
  }
  const personId = (value: string | undefined, what: string): string => {
    if (value === undefined || !EXTERNAL_ID.test(value)) {
      throw new UsageError(`${what} must be letters, digits and _ . : @ - (1 to 255), got "${value ?? ''}"`);
    }
    return value;
  };
  const integer = (option: 'max-faces' | 'max-results', range: { min: number; max: number }) => {
    const value = text(option);
    return value === undefined ? undefined : parseNumber(`--${option}`, value, range.min, range.max, true);
  };
  switch (name) {
    case 'create':
    case 'delete':
      if (args.length) throw new UsageError(`collection ${name} takes only NAME`);
      return { kind: name, collection, json };
    case 'forget':
      if (args.length !== 1) throw new UsageError('collection forget takes NAME and the person ID');
      return { kind: 'forget', collection, externalId: personId(args[0], 'ID'), json };
    case 'faces': {
      if (args.length) throw new UsageError('collection faces takes only NAME (and --id)');
      const id = text('id');
      return {
        kind: 'faces',
        collection,
        json,
        ...(id !== undefined && { externalId: personId(id, '--id') }),
      };
    }
    case 'index': {
      const dir = text('dir');
      const id = text('id');
      if ((dir === undefined) === (id === undefined)) {
        throw new UsageError('collection index takes either --id ID FILE... or --dir DIR');
      }
      if (dir !== undefined && args.length) throw new UsageError('collection index --dir takes no FILE');
      if (id !== undefined && args.length === 0) throw new UsageError('collection index --id needs FILE...');
      const maxFaces = integer('max-faces', COLLECTION_LIMITS.maxFaces);
      const filter = text('quality-filter');
      if (filter !== undefined && !isQualityFilter(filter)) {
        throw new UsageError(
          `--quality-filter must be one of ${QUALITY_FILTERS.join(', ')}, got "${filter}"`,
        );
      }
      return {
        kind: 'index',
        collection,
        source: dir !== undefined ? { dir } : { id: personId(id, '--id'), files: args },
        json,
        ...(maxFaces !== undefined && { maxFaces }),
        ...(filter !== undefined && { qualityFilter: filter }),
      };
    }
    case 'search': {
      if (args.length === 0) throw new UsageError('collection search needs FILE...');
      const maxResults = integer('max-results', COLLECTION_LIMITS.maxResults);
      const fpir = text('max-fpir');
      const threshold = text('threshold');
      const maxFpir = fpir === undefined ? undefined : parseNumber('--max-fpir', fpir, 1e-12, 1 - 1e-12);
      return {
        kind: 'search',
        collection,
        files: args,
        json,
        ...(maxResults !== undefined && { maxResults }),
        ...(maxFpir !== undefined && { maxFpir }),
        ...(threshold !== undefined && { threshold: parseNumber('--threshold', threshold, -1, 1) }),
      };
    }
  }
}
