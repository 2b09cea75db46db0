/** `faceverify collection …`: the collections service over the local store, one line per answer. */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type Collections,
  collectionView,
  faceView,
  type IndexResult,
  type SearchResult,
  SHARED_OWNER,
} from '../collections/collections.ts';
import { EXTERNAL_ID } from '../collections/ids.ts';
import type { CollectionRecord, FaceRecord } from '../collections/store.ts';
import { describeFar } from '../core/compare.ts';
import { FaceVerifyError } from '../core/errors.ts';
import { attempt } from './attempt.ts';
import type { CollectionCommand } from './collection-args.ts';
import { errorLine, faceJson, formatError } from './format.ts';
import { Progress } from './progress.ts';
import { mapOrdered } from './stream.ts';

/** The owner of what the CLI stores: the open server's shared namespace (auth=none). */
export const CLI_OWNER = SHARED_OWNER;

export interface CollectionCliContext {
  collections: Collections;
  out: (line: string) => void | Promise<void>;
  stderr: { isTTY?: boolean; write(chunk: string): unknown };
  concurrency: number;
  /** A file's bytes within the decode limit, or a FaceVerifyError naming it. */
  read(path: string): Promise<Uint8Array>;
}

/** Photos a --dir walk enrols: what the decoder reads, by extension. */
const PHOTO = /\.(jpe?g|png|webp|gif|tiff?|avif)$/i;

export async function runCollectionCommand(
  command: CollectionCommand,
  ctx: CollectionCliContext,
): Promise<void> {
  const { collections, out } = ctx;
  const json = (value: unknown) => out(JSON.stringify(value));
  switch (command.kind) {
    case 'create': {
      const { collection, created } = await collections.create(CLI_OWNER, command.collection);
      return command.json
        ? json(collectionView(collection))
        : out(`${created ? 'created' : 'exists:'} ${describeCollection(collection)}`);
    }
    case 'list': {
      const all = await everyPage((nextToken) =>
        collections.list(CLI_OWNER, { limit: 1000, ...(nextToken && { nextToken }) }),
      );
      if (command.json) return json({ collections: all.map(collectionView) });
      return out(all.length ? all.map(describeCollection).join('\n') : 'no collections');
    }
    case 'delete':
      await collections.delete(CLI_OWNER, command.collection);
      return command.json
        ? json({ collectionId: command.collection, deleted: true })
        : out(`deleted collection ${command.collection}`);
    case 'faces': {
      const faces = await everyPage((nextToken) =>
        collections.listFaces(CLI_OWNER, command.collection, {
          limit: 1000,
          ...(nextToken && { nextToken }),
          ...(command.externalId !== undefined && { externalId: command.externalId }),
        }),
      );
      if (command.json) return json({ faces: faces.map(faceView) });
      return out(faces.length ? faces.map(describeFace).join('\n') : 'no faces');
    }
    case 'forget': {
      const deletedFaces = await collections.forget(CLI_OWNER, command.collection, command.externalId);
      return command.json
        ? json({ collectionId: command.collection, externalId: command.externalId, deletedFaces })
        : out(`forgot ${command.externalId}: ${deletedFaces} face${deletedFaces === 1 ? '' : 's'} deleted`);
    }
    case 'index':
      return indexPhotos(command, ctx);
    case 'search':
      return searchPhotos(command, ctx);
  }
}

async function indexPhotos(
  command: Extract<CollectionCommand, { kind: 'index' }>,
  ctx: CollectionCliContext,
): Promise<void> {
  const { collections, out, stderr, concurrency } = ctx;
  // Fails fast, before any photo is read, when the collection is missing or of another model.
  await collections.get(CLI_OWNER, command.collection);
  const photos =
    'dir' in command.source
      ? await photosBelow(command.source.dir)
      : command.source.files.map((file) => ({ file, externalId: (command.source as { id: string }).id }));
  const progress = new Progress({ total: photos.length, unit: 'photos', stream: stderr });
  const tally = { photos: 0, faces: 0, errors: 0 };
  await mapOrdered(
    photos,
    concurrency,
    ({ file, externalId }) =>
      attempt(file, async () => {
        if (!EXTERNAL_ID.test(externalId)) {
          throw new FaceVerifyError(
            'InvalidRequest',
            `The folder name "${externalId}" is not a valid person ID.`,
          );
        }
        const request = {
          externalId,
          ...(command.maxFaces !== undefined && { maxFaces: command.maxFaces }),
          ...(command.qualityFilter !== undefined && { qualityFilter: command.qualityFilter }),
        };
        return collections.index(CLI_OWNER, command.collection, await ctx.read(file), request);
      }),
    (outcome, index) => {
      const { file, externalId } = photos[index] as (typeof photos)[0];
      progress.tick(outcome.ok);
      if (outcome.ok) {
        tally.photos++;
        tally.faces += outcome.value.faces.length;
      } else tally.errors++;
      if (command.json) {
        return out(
          JSON.stringify(
            outcome.ok ? { file, ...indexJson(outcome.value) } : errorLine({ file }, outcome.error),
          ),
        );
      }
      return out(
        outcome.ok ? describeIndexed(file, externalId, outcome.value) : formatError(file, outcome.error),
      );
    },
  );
  progress.finish();
  if (!command.json) {
    await out(
      `enrolled ${tally.faces} face${tally.faces === 1 ? '' : 's'} from ${tally.photos} of ${photos.length} photos` +
        (tally.errors ? `; ${tally.errors} failed` : ''),
    );
  }
}

async function searchPhotos(
  command: Extract<CollectionCommand, { kind: 'search' }>,
  ctx: CollectionCliContext,
): Promise<void> {
  const { collections, out, concurrency } = ctx;
  await collections.get(CLI_OWNER, command.collection);
  const { maxResults, maxFpir, threshold } = command;
  const request = {
    ...(maxResults !== undefined && { maxResults }),
    ...(maxFpir !== undefined && { maxFpir }),
    ...(threshold !== undefined && { threshold }),
  };
  await mapOrdered(
    command.files,
    concurrency,
    (file) =>
      attempt(file, async () =>
        collections.search(CLI_OWNER, command.collection, await ctx.read(file), request),
      ),
    (outcome, index) => {
      const file = command.files[index] as string;
      if (command.json) {
        return out(
          JSON.stringify(
            outcome.ok ? { file, ...searchJson(outcome.value) } : errorLine({ file }, outcome.error),
          ),
        );
      }
      return out(outcome.ok ? describeSearch(file, outcome.value) : formatError(file, outcome.error));
    },
  );
}

/** Every photo below `dir`, sorted, each under the name of its folder. */
async function photosBelow(dir: string): Promise<{ file: string; externalId: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (cause) {
    throw new FaceVerifyError('NotFound', `Cannot read the folder ${dir}.`, { cause });
  }
  return entries
    .filter((entry) => PHOTO.test(entry))
    .sort()
    .map((entry) => {
      const file = join(dir, entry);
      return { file, externalId: basename(dirname(file)) };
    });
}

async function everyPage<T>(
  page: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let nextToken: string | undefined;
  do {
    const result = await page(nextToken);
    all.push(...result.items);
    nextToken = result.nextToken;
  } while (nextToken);
  return all;
}

function indexJson(result: IndexResult) {
  return {
    faces: result.faces.map(({ faceId, externalId, pose, ...face }) => ({
      faceId,
      externalId,
      ...faceJson(face),
      pose,
    })),
    unindexedFaces: result.unindexedFaces,
  };
}

function searchJson(result: SearchResult) {
  const { searchedFace, matches, fpir, faceCount } = result;
  return { searchedFace: { ...faceJson(searchedFace), pose: searchedFace.pose }, matches, fpir, faceCount };
}

function describeCollection(c: CollectionRecord): string {
  const people = `${c.subjectCount} ${c.subjectCount === 1 ? 'person' : 'people'}`;
  return `${c.collectionId}  ${c.faceCount} face${c.faceCount === 1 ? '' : 's'}, ${people}  (${c.model.name}@${c.model.version}, ${c.createdAt})`;
}

function describeFace(f: FaceRecord): string {
  return `${f.faceId}  ${f.externalId}  ${f.createdAt}`;
}

function describeIndexed(file: string, externalId: string, result: IndexResult): string {
  const n = result.faces.length;
  const reasons = [...new Set(result.unindexedFaces.map((face) => face.reason))].join(', ');
  const skipped = result.unindexedFaces.length
    ? `, ${result.unindexedFaces.length} more not enrolled (${reasons})`
    : '';
  return `${file}  ${externalId}: enrolled ${n} face${n === 1 ? '' : 's'}${skipped}`;
}

function describeSearch(file: string, result: SearchResult): string {
  const [top] = result.matches;
  if (!top) return `${file}: the collection is empty`;
  const head = top.match
    ? `${file}: ${top.externalId} (similarity ${top.similarity}; ${describeFar(top.far)})`
    : `${file}: nobody enrolled (closest ${top.externalId}, similarity ${top.similarity} < ${top.threshold})`;
  const rest = result.matches.map(
    (m, i) => `  ${i + 1}. ${m.externalId}  ${m.similarity}  ${m.match ? 'match' : 'no match'}`,
  );
  return [head, ...rest].join('\n');
}
