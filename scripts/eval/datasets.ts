/**
 * Readers for the shared evaluation data (../shared/data): LFW View 1, CFP frontal-profile dev folds,
 * deepface pairs, WIDER FACE, no-face photos.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box } from '../../functions/core/types.ts';

export interface Pair {
  a: string;
  b: string;
  same: boolean;
}

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `FACEVERIFY_DATA`, else `../shared/data` beside the project; undefined (with the reason) when absent. */
export function dataDir(): { dir?: string; reason?: string } {
  const dir = process.env.FACEVERIFY_DATA ?? resolve(PROJECT_ROOT, '..', 'shared', 'data');
  return existsSync(dir) ? { dir } : { reason: `no evaluation data at ${dir} (set FACEVERIFY_DATA)` };
}

/** LFW's pair lists: a count line, then `name i j` (same) or `name1 i name2 j` (different). */
export function parseLfwPairs(text: string, imagesDir: string): Pair[] {
  const image = (name: string, i: string) => join(imagesDir, name, `${name}_${i.padStart(4, '0')}.jpg`);
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split('\t'))
    .map((f): Pair => {
      if (f.length === 3)
        return {
          a: image(f[0] as string, f[1] as string),
          b: image(f[0] as string, f[2] as string),
          same: true,
        };
      if (f.length === 4)
        return {
          a: image(f[0] as string, f[1] as string),
          b: image(f[2] as string, f[3] as string),
          same: false,
        };
      throw new Error(`malformed LFW pair line: ${f.join(' ')}`);
    });
}

export function lfwPairs(dir: string, split: 'DevTrain' | 'DevTest'): Pair[] {
  const root = join(dir, 'lfw-view1');
  return parseLfwPairs(readFileSync(join(root, `pairs${split}.txt`), 'utf8'), join(root, 'images'));
}

export interface FoldedPair extends Pair {
  fold: number;
}

/** CFP's frontal-profile list: a comment line, then `frontal<TAB>profile<TAB>1 same / 0 different<TAB>fold`. */
export function parseCfpPairs(text: string, imagesDir: string): FoldedPair[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => {
      const [frontal, profile, same, fold] = line.trim().split('\t');
      if (!frontal || !profile || !['0', '1'].includes(same ?? '') || !Number.isInteger(Number(fold)))
        throw new Error(`malformed CFP pair line: ${line}`);
      return {
        a: join(imagesDir, frontal),
        b: join(imagesDir, profile),
        same: same === '1',
        fold: Number(fold),
      };
    });
}

/** CFP frontal-profile dev folds 6–10 (see the data's README). */
export function cfpPairs(dir: string): FoldedPair[] {
  const root = join(dir, 'cfp-dev');
  return parseCfpPairs(readFileSync(join(root, 'pairs-fp.tsv'), 'utf8'), join(root, 'images'));
}

/** deepface's labelled pairs (master.csv and face-recognition-pivot.csv), deduplicated. */
export function deepfacePairs(dir: string): Pair[] {
  const root = join(dir, 'deepface-pairs');
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  for (const file of ['master.csv', 'face-recognition-pivot.csv']) {
    for (const line of readFileSync(join(root, file), 'utf8').trim().split('\n').slice(1)) {
      const [x = '', y = '', decision = ''] = line.split(',');
      const [a, b] = [x, y].map((p) => join(root, 'images', basename(p))) as [string, string];
      const key = [a, b].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push({ a, b, same: decision.trim() === 'Yes' });
    }
  }
  return pairs;
}

export interface GroundTruthFace {
  box: Box;
  invalid: boolean;
}

export interface AnnotatedImage {
  file: string;
  faces: GroundTruthFace[];
}

/** WIDER FACE ground truth: path, count, then `x y w h blur expression illumination invalid occlusion pose`. */
export function parseWider(text: string, imagesDir: string): AnnotatedImage[] {
  const lines = text.split('\n').map((l) => l.trim());
  const images: AnnotatedImage[] = [];
  let i = 0;
  while (i < lines.length && lines[i]) {
    const file = join(imagesDir, lines[i] as string);
    const count = Number(lines[i + 1]);
    const rows = lines.slice(i + 2, i + 2 + Math.max(count, 1));
    const faces = rows
      .map((r) => r.split(/\s+/).map(Number))
      .filter((v) => (v[2] ?? 0) > 0 && (v[3] ?? 0) > 0)
      .map((v) => ({
        box: { x: v[0] ?? 0, y: v[1] ?? 0, width: v[2] ?? 0, height: v[3] ?? 0 },
        invalid: v[7] === 1,
      }));
    images.push({ file, faces });
    i += 2 + Math.max(count, 1);
  }
  return images;
}

export function widerImages(dir: string): AnnotatedImage[] {
  const root = join(dir, 'wider-train');
  return parseWider(
    readFileSync(join(root, 'wider_face_train_bbx_gt.subset.txt'), 'utf8'),
    join(root, 'images'),
  );
}

export function noFacePhotos(dir: string): string[] {
  const root = join(dir, 'photos', 'scikit-image', 'no-human-face');
  return readdirSync(root)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(root, f));
}
