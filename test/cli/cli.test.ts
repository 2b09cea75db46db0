/**
 * The real `faceverify` command as a child process, on real photos from an npm package
 * (@vladmandic/face-api's demo samples), a face-less image and a file that is not an image.
 * Each model-loading run checks several things at once: the CPU is shared.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectJson, ErrorJson, FaceJson, PairRef, VerifyJson } from '../../functions/cli/format.ts';
import { DEFAULT_DETECT_OPTIONS } from '../../functions/core/detector.ts';
import { faceverify, ROOT } from './child.ts';

const DEMO = join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');
const FACE_KEYS = ['box', 'score', 'landmarks', 'headPose', 'quality'];
const BOX_KEYS = ['x', 'y', 'width', 'height'];
const LANDMARK_KEYS = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;
const VERIFY_KEYS = ['match', 'similarity', 'threshold', 'far', 'pose', 'source', 'target', 'poorFaces'];

/** Any of the CLI's JSON lines. */
type Line = Partial<DetectJson & VerifyJson & PairRef> & { error?: ErrorJson };

const cli = (args: string[], env?: Record<string, string>) => faceverify<Line>(args, env);

/** A face in exactly the API's shape, inside a width × height image. */
function expectFace(face: FaceJson | undefined, width: number, height: number): void {
  if (!face) throw new Error('no face');
  expect(Object.keys(face)).toEqual(FACE_KEYS);
  expect(Object.keys(face.box)).toEqual(BOX_KEYS);
  expect(Object.keys(face.landmarks)).toEqual(LANDMARK_KEYS);
  const { x, y, width: w, height: h } = face.box;
  expect(x).toBeGreaterThanOrEqual(0);
  expect(y).toBeGreaterThanOrEqual(0);
  expect(w).toBeGreaterThan(10);
  expect(x + w).toBeLessThanOrEqual(width);
  expect(y + h).toBeLessThanOrEqual(height);
  expect(face.score).toBeGreaterThanOrEqual(DEFAULT_DETECT_OPTIONS.minScore);
  expect(face.score).toBeLessThanOrEqual(1);
  for (const name of LANDMARK_KEYS) {
    const point = face.landmarks[name];
    expect(point).toHaveLength(2);
    expect(point.every(Number.isFinite)).toBe(true);
  }
}

describe('faceverify (child process)', () => {
  let dir: string;
  const sample1 = relative(ROOT, join(DEMO, 'sample1.jpg')); // as a user would type it, from the checkout
  const sample2 = join(DEMO, 'sample2.jpg');
  const at = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faceverify-cli-'));
    await writeFile(at('not-an-image.jpg'), 'This is text, not a JPEG.\n');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7799bb' } })
      .png()
      .toFile(at('flat.png'));
    // Smaller copies keep the runs short: 640 px wide, under the size at which detection tiles.
    for (const n of [2, 3, 4]) {
      await sharp(join(DEMO, `sample${n}.jpg`))
        .resize({ width: 560 })
        .jpeg({ quality: 90 })
        .toFile(at(`sample${n}-small.jpg`));
    }
    await copyFile(at('sample4-small.jpg'), at('sample4-copy.jpg'));
    const tsv = [
      '# demo pairs; paths relative to this file',
      'sample4-small.jpg\tsample4-copy.jpg',
      '',
      'this line has no tab',
      'sample4-small.jpg\tmissing.jpg',
      'flat.png\tsample4-small.jpg',
      `${sample2}\tsample2-small.jpg`,
      'sample3-small.jpg\tnot-an-image.jpg',
    ];
    await writeFile(at('pairs.tsv'), `${tsv.join('\n')}\n`);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers --help, and refuses bad command lines with the usage and exit 2 (no models loaded)', async () => {
    const [help, noFiles, badMax, badThreshold, unknown, noModels] = await Promise.all([
      cli(['--help']),
      cli(['detect', '--json']),
      cli(['detect', sample1, '--max-faces', '-1']),
      cli(['verify', sample1, sample2, '--threshold', 'abc']),
      cli(['detect', sample1, '--bogus']),
      cli(['detect', sample1, '--json'], { FACEVERIFY_MODELS_DIR: dir }),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}faceverify detect FILE\.\.\. \[--json\]/);
    expect(help.stderr).toBe('');
    for (const [run, reason] of [
      [noFiles, 'detect needs at least one image FILE'],
      [badMax, '--max-faces must be a whole number from 1 to 100, got "-1"'],
      [badThreshold, '--threshold must be a number from -1 to 1, got "abc"'],
      [unknown, "Unknown option '--bogus'"],
    ] as const) {
      expect(run.code, reason).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`faceverify: ${reason}`);
      expect(run.stderr).toContain('Usage:');
    }
    // No models in that folder: a clear message and exit 1, nothing on stdout.
    expect(noModels.code).toBe(1);
    expect(noModels.stdout).toBe('');
    expect(noModels.stderr).toMatch(/^faceverify: cannot load the face models: .*npm run build:models/);
  });

  it('detect --json: one line per file, in order, errors in place', async () => {
    const files = [
      sample1,
      at('missing.jpg'),
      at('not-an-image.jpg'),
      at('flat.png'),
      at('sample4-small.jpg'),
    ];
    const run = await cli(['detect', ...files, '--json', '--max-faces', '3']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.json();
    expect(lines.map((l) => l.file)).toEqual(files);

    const [photo, missing, notImage, flat, small] = lines;
    expect(Object.keys(photo ?? {})).toEqual(['file', 'width', 'height', 'faces']);
    expect(photo).toMatchObject({ width: 1920, height: 1280 });
    expect(photo?.faces).toHaveLength(3); // four people; --max-faces 3
    for (const face of photo?.faces ?? []) expectFace(face, 1920, 1280);
    const sizes = photo?.faces?.map((f) => f.box.width * f.box.height) ?? [];
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a)); // largest first

    expect(missing).toEqual({
      file: files[1],
      error: { code: 'NotFound', message: `No such file: ${files[1]}` },
    });
    expect(Object.keys(notImage ?? {})).toEqual(['file', 'error']);
    expect(notImage?.error?.code).toBe('InvalidImage');
    expect(flat).toEqual({ file: files[3], width: 320, height: 240, faces: [] });
    expect(small?.faces?.length).toBeGreaterThan(0);
    expect(run.stdout).not.toMatch(/timings|embedding|crop/);
  });

  it('detect takes 1,000 long paths in one call (a 120 KB command line once crashed onnxruntime)', async () => {
    // The same two files over and over, under a long folder name: every path is ≥ 120 characters.
    const deep = join(dir, 'd'.repeat(Math.max(1, 120 - dir.length)));
    await mkdir(deep, { recursive: true });
    await copyFile(at('sample4-small.jpg'), join(deep, 'photo.jpg'));
    await copyFile(at('not-an-image.jpg'), join(deep, 'text.jpg'));
    const files = Array.from({ length: 1000 }, (_, i) =>
      join(deep, i % 100 === 7 ? 'photo.jpg' : 'text.jpg'),
    );
    expect(files.join(' ').length).toBeGreaterThan(120_000);

    const run = await cli(['detect', ...files, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.json();
    expect(lines.map((l) => l.file)).toEqual(files);
    lines.forEach((line, i) => {
      if (i % 100 === 7) expect(line.faces?.length, `line ${i}`).toBeGreaterThan(0);
      else expect(line.error?.code, `line ${i}`).toBe('InvalidImage');
    });
  });

  it('verify A B --json: the API shape; the same photo at two sizes is the same person', async () => {
    const run = await cli(['verify', sample2, at('sample2-small.jpg'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [line, ...rest] = run.json();
    expect(rest).toEqual([]);
    expect(Object.keys(line ?? {})).toEqual(VERIFY_KEYS);
    expect(line?.match).toBe(true);
    expect(line?.similarity).toBeGreaterThan(line?.threshold ?? 1);
    expect(line?.threshold).toBeGreaterThan(0);
    expectFace(line?.source, 1920, 1367);
    expectFace(line?.target, 560, 399);
  });

  it('verify --pairs --json: a, b, line first; errors in place naming the image; order kept', async () => {
    const run = await cli(['verify', '--pairs', at('pairs.tsv'), '--json', '--threshold', '0.5']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.json();
    expect(lines.map((l) => [l.line, l.a, l.b])).toEqual([
      [2, 'sample4-small.jpg', 'sample4-copy.jpg'],
      [4, null, null],
      [5, 'sample4-small.jpg', 'missing.jpg'],
      [6, 'flat.png', 'sample4-small.jpg'],
      [7, sample2, 'sample2-small.jpg'],
      [8, 'sample3-small.jpg', 'not-an-image.jpg'],
    ]);
    const [same, bad, missing, noFace, scaled, notImage] = lines;
    expect(Object.keys(same ?? {})).toEqual(['a', 'b', 'line', ...VERIFY_KEYS]);
    expect(same).toMatchObject({ match: true, similarity: 1, threshold: 0.5 });
    expect(scaled).toMatchObject({ match: true, threshold: 0.5 });
    expect(bad?.error?.code).toBe('InvalidRequest');
    expect(bad?.error?.message).toMatch(/^Line 4 is not "pathA<TAB>pathB"/);
    expect(missing?.error).toEqual({
      code: 'NotFound',
      message: `No such file: ${at('missing.jpg')}`,
      image: 'target',
    });
    expect(noFace?.error).toMatchObject({ code: 'NoFaceDetected', image: 'source' });
    expect(notImage?.error).toMatchObject({ code: 'InvalidImage', image: 'target' });
    for (const line of lines) {
      if ('error' in line) expect(Object.keys(line)).toEqual(['a', 'b', 'line', 'error']);
    }
  });

  it('prints readable text without --json', async () => {
    const [detect, verify] = await Promise.all([
      cli(['detect', at('sample4-small.jpg'), at('missing.jpg')]),
      cli(['verify', at('sample3-small.jpg'), at('sample4-small.jpg')]),
    ]);
    expect(detect.code).toBe(0);
    const [head, ...rest] = detect.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^\S+sample4-small\.jpg {2}560×\d+ {2}\d+ faces?$/);
    const faceCount = Number(head?.match(/(\d+) faces?$/)?.[1]);
    expect(
      rest.slice(0, faceCount).every((l) => /^ {2}#\d+ score [01]\.\d\d {2}box \d+,\d+ \d+×\d+$/.test(l)),
    ).toBe(true);
    expect(rest.slice(faceCount)).toEqual([
      `${at('missing.jpg')}  error NotFound: No such file: ${at('missing.jpg')}`,
    ]);

    expect(verify.code).toBe(0);
    const lines = verify.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^(Same person|Different people) \(similarity -?\d\.\d+ (≥|<) threshold \d\.\d+\)$/,
    );
    expect(lines[1]).toMatch(
      /^ {2}(frontal|profile) pair, false-accept rate [\d.e-]+: about 1 in [\d,.]+ pairs of different people score this high$/,
    );
    expect(lines[2]).toMatch(/^ {2}A {2}\S+sample3-small\.jpg {2}score [01]\.\d\d {2}box /);
    expect(lines[3]).toMatch(/^ {2}B {2}\S+sample4-small\.jpg {2}score [01]\.\d\d {2}box /);
  });
});
