/**
 * `npm run eval -- --face-size [--limit N]`: how small a face may be before comparing it fails, measured
 * on training pairs (LFW View 1 DevTrain's same-person pairs, the first N, 300 by default): the second
 * photo of each pair is shrunk so that its face is W pixels wide, and the pair is decided at the shipped
 * threshold. Enrolment's `TooSmall` limit (functions/collections/quality-filter.ts) is read off it.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { cosineSimilarity } from '../../functions/core/compare.ts';
import type { FaceEngine } from '../../functions/core/engine.ts';
import { pairCalibration } from '../../functions/core/match.ts';
import type { EmbeddedFace } from '../../functions/core/types.ts';
import { lfwPairs } from './datasets.ts';

/** Face widths tried, in pixels of the shrunk photo. */
const WIDTHS = [16, 24, 32, 40, 48, 64, 96];

interface Row {
  width: string;
  pairs: number;
  lost: number;
  failed: number;
  similarities: number[];
  detectedWidths: number[];
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const pct = (part: number, whole: number) => (whole ? ((100 * part) / whole).toFixed(1) : '–');

export async function faceSizeReport(
  engine: FaceEngine,
  data: string,
  limit: number,
  command: string,
): Promise<string> {
  const pairs = lfwPairs(data, 'DevTrain')
    .filter((p) => p.same)
    .slice(0, limit);
  const subject = async (bytes: Uint8Array) =>
    (await engine.embedImage(bytes)).faces[0] as EmbeddedFace | undefined;
  const thresholdOf = (a: EmbeddedFace, b: EmbeddedFace) =>
    pairCalibration(engine.calibration, a.pose, b.pose).threshold;
  const rows: Row[] = ['as photographed', ...WIDTHS.map((w) => `${w} px`)].map((width) => ({
    width,
    pairs: 0,
    lost: 0,
    failed: 0,
    similarities: [],
    detectedWidths: [],
  }));
  for (const [done, pair] of pairs.entries()) {
    const a = await subject(await readFile(pair.a));
    const bytes = await readFile(pair.b);
    const b = await subject(bytes);
    if (!a || !b) continue; // a pair the pipeline misses at full size is no evidence about size
    const { width = 0 } = await sharp(bytes).metadata();
    for (const [k, row] of rows.entries()) {
      const target = WIDTHS[k - 1];
      const shrunk =
        target === undefined
          ? bytes
          : await sharp(bytes)
              .resize({ width: Math.max(1, Math.round((width * target) / b.box.width)) })
              .jpeg({ quality: 90 })
              .toBuffer();
      row.pairs++;
      const face = target === undefined ? b : await subject(shrunk).catch(() => undefined);
      if (!face) {
        row.lost++;
        row.failed++;
        continue;
      }
      const similarity = cosineSimilarity(a.embedding, face.embedding);
      row.similarities.push(similarity);
      row.detectedWidths.push(face.box.width);
      if (similarity < thresholdOf(a, face)) row.failed++;
    }
    if ((done + 1) % 50 === 0) console.error(`  face size: ${done + 1} of ${pairs.length} pairs`);
  }
  return [
    `The second photo of each of ${rows[0]?.pairs} LFW View 1 DevTrain same-person pairs shrunk so that its face is W pixels wide (JPEG, quality 90), compared with the first at the shipped thresholds. A face not found counts as a false non-match. Measured with \`${command}\`.`,
    '',
    '| face width | pairs | face not found % | false non-match % | median similarity | median detected width px |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.width} | ${r.pairs} | ${pct(r.lost, r.pairs)} | ${pct(r.failed, r.pairs)} | ${median(r.similarities).toFixed(3)} | ${median(r.detectedWidths).toFixed(0)} |`,
    ),
    '',
  ].join('\n');
}
