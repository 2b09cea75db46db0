/** The `verify --pairs` list: one "pathA<TAB>pathB" pair per line. Pure: no file access. */
import { resolve } from 'node:path';
import { FaceVerifyError } from '../core/errors.ts';

export interface Pair {
  /** 1-based line number in the TSV. */
  line: number;
  /** The paths as written in the TSV. */
  a: string;
  b: string;
  /** The paths to open: relative ones resolved against the TSV's folder. */
  pathA: string;
  pathB: string;
}

export interface BadPairLine {
  line: number;
  error: FaceVerifyError;
}

export type PairEntry = Pair | BadPairLine;

/**
 * Every pair line of a TSV, in order. Blank lines and lines starting with `#` are skipped; a line
 * that is not exactly two non-empty tab-separated fields (each trimmed) becomes an InvalidRequest entry in place.
 */
export function parsePairs(text: string, baseDir: string): PairEntry[] {
  const entries: PairEntry[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '' || content.trimStart().startsWith('#')) return;
    const fields = content.split('\t').map((field) => field.trim());
    const [a, b] = fields;
    if (fields.length !== 2 || !a || !b) {
      const found =
        fields.length === 1 ? 'no tab' : fields.length === 2 ? 'an empty path' : `${fields.length} fields`;
      const message = `Line ${line} is not "pathA<TAB>pathB" (${found}): ${preview(content)}`;
      entries.push({ line, error: new FaceVerifyError('InvalidRequest', message) });
      return;
    }
    // resolve() keeps absolute paths (normalised: `/x/.` is `/x`) and anchors relative ones at the TSV.
    entries.push({ line, a, b, pathA: resolve(baseDir, a), pathB: resolve(baseDir, b) });
  });
  return entries;
}

export function isPair(entry: PairEntry): entry is Pair {
  return !('error' in entry);
}

function preview(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(shown);
}
