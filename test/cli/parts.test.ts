/** The CLI's pure parts and its command runner over a fake engine: no models, no child processes. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, parseNumber, USAGE, UsageError } from '../../functions/cli/args.ts';
import {
  detectJson,
  errorJson,
  errorLine,
  faceJson,
  formatDetection,
  formatError,
  formatTally,
  formatVerdict,
  formatVerification,
  pairJson,
  verifyJson,
} from '../../functions/cli/format.ts';
import { isPair, parsePairs } from '../../functions/cli/pairs.ts';
import { type Engine, runCli } from '../../functions/cli/run.ts';
import { mapOrdered } from '../../functions/cli/stream.ts';
import type { DetectResponse, ImageRole, VerifyResponse } from '../../functions/core/engine.ts';
import { FaceVerifyError } from '../../functions/core/errors.ts';
import type { Face } from '../../functions/core/types.ts';

const FACE_KEYS = ['box', 'score', 'landmarks', 'headPose', 'quality'];
const VERIFY_KEYS = ['match', 'similarity', 'threshold', 'far', 'pose', 'source', 'target', 'poorFaces'];
const LANDMARK_KEYS = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'];

function face(x: number, size: number, score = 0.9): Face {
  return {
    box: { x, y: 412.04, width: size, height: size },
    score,
    landmarks: {
      leftEye: [x + 0.3 * size, 450.123],
      rightEye: [x + 0.7 * size, 450.987],
      nose: [x + 0.5 * size, 480],
      mouthLeft: [x + 0.35 * size, 520],
      mouthRight: [x + 0.65 * size, 520],
    },
    headPose: { yaw: 10.5, pitch: -2, roll: 0.4 },
    quality: { sharpness: 42.1, brightness: 50.2, score: 0.91 },
  };
}

function usageMessage(argv: string[]): string {
  try {
    parseCommand(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseCommand', () => {
  it('reads detect, verify and verify --pairs', () => {
    expect(
      parseCommand(['detect', 'a.jpg', 'b.png', '--json', '--min-score', '0.7', '--max-faces=3']),
    ).toEqual({
      kind: 'detect',
      files: ['a.jpg', 'b.png'],
      json: true,
      minScore: 0.7,
      maxFaces: 3,
    });
    expect(parseCommand(['detect', 'a.jpg'])).toEqual({ kind: 'detect', files: ['a.jpg'], json: false });
    expect(parseCommand(['verify', 'a.jpg', 'b.jpg', '--threshold', '-0.25'])).toEqual({
      kind: 'verify',
      a: 'a.jpg',
      b: 'b.jpg',
      json: false,
      threshold: -0.25,
    });
    expect(parseCommand(['verify', '--pairs', 'p.tsv', '--json'])).toEqual({
      kind: 'pairs',
      tsv: 'p.tsv',
      json: true,
    });
    // A file named like a flag, after --.
    expect(parseCommand(['detect', '--', '-odd.jpg'])).toMatchObject({ files: ['-odd.jpg'] });
  });

  it('answers --help anywhere', () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['detect', '--help'], ['verify', 'a', '-h']]) {
      expect(parseCommand(argv)).toEqual({ kind: 'help' });
    }
  });

  it('refuses what it cannot run, naming the problem', () => {
    expect(usageMessage([])).toMatch(/no command/);
    expect(usageMessage(['find', 'a.jpg'])).toMatch(/unknown command "find"/);
    expect(usageMessage(['--json', 'detect', 'a.jpg'])).toMatch(/command comes first/);
    expect(usageMessage(['detect', '--json'])).toMatch(/at least one image FILE/);
    expect(usageMessage(['detect', 'a.jpg', '--bogus'])).toMatch(/Unknown option '--bogus'/);
    expect(usageMessage(['detect', 'a.jpg', '--threshold', '0.5'])).toMatch(/Unknown option '--threshold'/);
    expect(usageMessage(['detect', 'a.jpg', '--json=yes'])).toMatch(/does not take an argument/);
    expect(usageMessage(['detect', 'a.jpg', '--min-score'])).toMatch(/argument missing/);
    expect(usageMessage(['detect', 'a.jpg', '--min-score', '2'])).toBe(
      '--min-score must be a number from 0.05 to 1, got "2"',
    );
    expect(usageMessage(['detect', 'a.jpg', '--max-faces', '-1'])).toBe(
      '--max-faces must be a whole number from 1 to 100, got "-1"',
    );
    expect(usageMessage(['detect', 'a.jpg', '--max-faces=0'])).toMatch(/whole number from 1 to 100, got "0"/);
    expect(usageMessage(['detect', 'a.jpg', '--max-faces', '101'])).toMatch(/got "101"/);
    expect(usageMessage(['detect', 'a.jpg', '--min-score', '0.01'])).toMatch(/from 0.05 to 1/);
    expect(usageMessage(['detect', 'a.jpg', '--max-faces', '2.5'])).toMatch(/whole number/);
    expect(usageMessage(['verify', 'a.jpg', 'b.jpg', '--threshold', 'abc'])).toBe(
      '--threshold must be a number from -1 to 1, got "abc"',
    );
    expect(usageMessage(['verify', 'a.jpg'])).toMatch(/two images A and B .*found 1/);
    expect(usageMessage(['verify', 'a.jpg', 'b.jpg', 'c.jpg'])).toMatch(/found 3/);
    expect(usageMessage(['verify', '--pairs', 'p.tsv', 'a.jpg'])).toMatch(/takes no image arguments/);
    expect(usageMessage(['verify', '--pairs=', '--json'])).toMatch(/--pairs needs a FILE/);
  });

  it('keeps the HTTP API limits', () => {
    expect(USAGE).toContain('from 0.05 to 1 (default 0.7)');
    expect(USAGE).toContain('a whole number from 1 to 100 (default 100)');
    expect(USAGE).toContain('from -1 to 1 (default:');
    expect(parseCommand(['detect', 'a', '--min-score', '0.05', '--max-faces', '100'])).toMatchObject({
      minScore: 0.05,
      maxFaces: 100,
    });
  });

  it('parses numbers strictly', () => {
    expect(parseNumber('--x', '.5', 0, 1)).toBe(0.5);
    expect(parseNumber('--x', '5e-1', 0, 1)).toBe(0.5);
    expect(parseNumber('--x', '1', 0, 1)).toBe(1);
    for (const bad of ['', ' ', 'abc', '0x1', 'Infinity', 'NaN', '1.1', '-0.01', '0.5abc']) {
      expect(() => parseNumber('--x', bad, 0, 1), bad).toThrow(UsageError);
    }
  });

  it('documents every command and option in the usage text', () => {
    for (const text of [
      'detect FILE...',
      'verify A B',
      '--pairs FILE.tsv',
      '--min-score S',
      '--max-faces N',
    ]) {
      expect(USAGE).toContain(text);
    }
    expect(USAGE).toContain('--threshold T');
    expect(USAGE).toMatch(/relative to the TSV's folder/);
  });
});

describe('parsePairs', () => {
  it('skips blank and comment lines, keeps line numbers, resolves relative paths from the TSV folder', () => {
    const text = '# header\n\na.jpg\tsub/b.jpg\r\n  # indented comment\n/abs/c.jpg\t d.jpg \n   \n';
    const entries = parsePairs(text, '/data/lists');
    expect(entries).toEqual([
      { line: 3, a: 'a.jpg', b: 'sub/b.jpg', pathA: '/data/lists/a.jpg', pathB: '/data/lists/sub/b.jpg' },
      { line: 5, a: '/abs/c.jpg', b: 'd.jpg', pathA: '/abs/c.jpg', pathB: '/data/lists/d.jpg' },
    ]);
  });

  it('normalises absolute paths as it does relative ones (found by fuzzing: `/.`)', () => {
    const [entry] = parsePairs('/.\t/abs/./x/../c.jpg', '/data/lists');
    expect(entry).toMatchObject({ pathA: '/', pathB: '/abs/c.jpg' });
  });

  it('turns a malformed line into an InvalidRequest entry in place', () => {
    const entries = parsePairs('a.jpg\tb.jpg\nonly-one.jpg\na\tb\tc\n\tb.jpg\nc.jpg\td.jpg', '/x');
    expect(entries.map((e) => e.line)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.map(isPair)).toEqual([true, false, false, false, true]);
    const messages = entries.filter((e) => !isPair(e)).map((e) => ('error' in e ? e.error : undefined));
    for (const error of messages) expect(error?.code).toBe('InvalidRequest');
    expect(messages.map((e) => e?.message)).toEqual([
      'Line 2 is not "pathA<TAB>pathB" (no tab): "only-one.jpg"',
      'Line 3 is not "pathA<TAB>pathB" (3 fields): "a\\tb\\tc"',
      'Line 4 is not "pathA<TAB>pathB" (an empty path): "\\tb.jpg"',
    ]);
  });

  it('gives nothing for an empty file', () => {
    expect(parsePairs('', '/x')).toEqual([]);
    expect(parsePairs('\n# nothing\n', '/x')).toEqual([]);
  });
});

describe('JSON lines', () => {
  const a = face(446.26, 191.04, 0.943218);
  const b = face(100, 120, 0.81);

  it('builds faces key by key, rounded to 0.1 px and 4 decimals', () => {
    const json = faceJson({ ...a, embedding: new Float32Array(128) } as Face);
    expect(Object.keys(json)).toEqual(FACE_KEYS);
    expect(Object.keys(json.box)).toEqual(['x', 'y', 'width', 'height']);
    expect(Object.keys(json.landmarks)).toEqual(LANDMARK_KEYS);
    expect(json.box).toEqual({ x: 446.3, y: 412, width: 191, height: 191 });
    expect(json.score).toBe(0.9432);
    expect(json.landmarks.leftEye).toEqual([503.6, 450.1]);
  });

  it('puts file first in detect lines and drops timings and crops', () => {
    const response = { width: 1920, height: 1280, faces: [a, b], timings: { total: 1 }, crops: [] };
    const line = detectJson('x.jpg', response as unknown as DetectResponse);
    expect(Object.keys(line)).toEqual(['file', 'width', 'height', 'faces']);
    expect(line.faces).toHaveLength(2);
  });

  it('keeps the verify keys exactly, and a, b, line first for pairs', () => {
    const result = {
      match: true,
      similarity: 0.9312,
      threshold: 0.904,
      far: 0.00012,
      pose: 'frontal',
      source: a,
      target: b,
      poorFaces: ['target'],
      timings: {},
      faceMatches: [],
    } as unknown as VerifyResponse;
    expect(Object.keys(verifyJson(result))).toEqual(VERIFY_KEYS);
    const pair = pairJson({ a: 'a.jpg', b: 'b.jpg', line: 3 }, result);
    expect(Object.keys(pair)).toEqual(['a', 'b', 'line', ...VERIFY_KEYS]);
    expect(Object.keys(pair.source)).toEqual(FACE_KEYS);
    expect(pair.poorFaces).toEqual(['target']);
    expect(pair.source.headPose).toEqual({ yaw: 10.5, pitch: -2, roll: 0.4 });
  });

  it('writes errors as code and message first, then details, which cannot override them', () => {
    const error = new FaceVerifyError('NoFaceDetected', 'No face was found in the target image.', {
      details: { image: 'target', code: 'spoof' },
    });
    expect(JSON.stringify(errorLine({ file: 'b.jpg' }, error))).toBe(
      '{"file":"b.jpg","error":{"code":"NoFaceDetected","message":"No face was found in the target image.","image":"target"}}',
    );
    expect(errorJson(new FaceVerifyError('NotFound', 'No such file: x'))).toEqual({
      code: 'NotFound',
      message: 'No such file: x',
    });
  });
});

describe('text for people', () => {
  it('lists faces under the file line', () => {
    const result = { width: 1920, height: 1280, faces: [face(446.26, 191.04, 0.943), face(100, 120, 0.81)] };
    expect(formatDetection('sample1.jpg', result)).toBe(
      'sample1.jpg  1920×1280  2 faces\n  #1 score 0.94  box 446,412 191×191\n  #2 score 0.81  box 100,412 120×120',
    );
    expect(formatDetection('flat.png', { width: 64, height: 64, faces: [] })).toBe(
      'flat.png  64×64  0 faces',
    );
    expect(formatDetection('one.png', { width: 64, height: 64, faces: [face(1, 40)] })).toMatch(/ 1 face\n/);
  });

  it('states the verdict with the numbers behind it', () => {
    expect(formatVerdict({ match: true, similarity: 0.9312, threshold: 0.9 })).toBe(
      'Same person (similarity 0.93 ≥ threshold 0.90)',
    );
    expect(formatVerdict({ match: false, similarity: 0.41, threshold: 0.9 })).toBe(
      'Different people (similarity 0.41 < threshold 0.90)',
    );
    // More digits when two would print a tie.
    expect(formatVerdict({ match: false, similarity: 0.9012, threshold: 0.904 })).toBe(
      'Different people (similarity 0.9012 < threshold 0.9040)',
    );
    const verification = formatVerification('a.jpg', 'b.jpg', {
      match: true,
      similarity: 0.95,
      threshold: 0.9,
      far: 0.00012,
      pose: 'frontal',
      source: face(446.26, 191.04, 0.943),
      target: face(100, 120, 0.81),
      poorFaces: [],
    });
    expect(verification.split('\n')).toEqual([
      'Same person (similarity 0.95 ≥ threshold 0.90)',
      '  frontal pair, false-accept rate 0.00012: about 1 in 8,300 pairs of different people score this high',
      '  A  a.jpg  score 0.94  box 446,412 191×191',
      '  B  b.jpg  score 0.81  box 100,412 120×120',
    ]);
    const blurred = { ...face(100, 120, 0.81), quality: { sharpness: 8, brightness: 50, score: 0.2 } };
    const poor = formatVerification('a.jpg', 'b.jpg', {
      match: false,
      similarity: 0.7,
      threshold: 0.9,
      far: 0.3,
      pose: 'frontal',
      source: face(446.26, 191.04, 0.943),
      target: blurred,
      poorFaces: ['target'],
    });
    expect(poor.split('\n')[2]).toBe("  The second photo's face is blurred: the verdict is less reliable.");
  });

  it('names the failing image of a pair when the message does not', () => {
    const invalid = new FaceVerifyError('InvalidImage', 'The data is not an image.', {
      details: { image: 'target' },
    });
    expect(formatError('a.jpg  b.txt', invalid)).toBe(
      'a.jpg  b.txt  error InvalidImage: The data is not an image. (target image)',
    );
    const noFace = new FaceVerifyError('NoFaceDetected', 'No face was found in the source image.', {
      details: { image: 'source' },
    });
    expect(formatError('a  b', noFace)).toBe(
      'a  b  error NoFaceDetected: No face was found in the source image.',
    );
    expect(formatTally({ same: 1, different: 0, errors: 2 })).toBe(
      '3 pairs: 1 same person, 0 different people, 2 errors',
    );
  });
});

describe('mapOrdered', () => {
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

  it('emits in input order, early, with at most `limit` in flight', async () => {
    const delays = [40, 5, 5, 30, 1, 1];
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    await mapOrdered(
      delays,
      2,
      async (ms, i) => {
        most = Math.max(most, ++inFlight);
        events.push(`start ${i}`);
        await sleep(ms);
        inFlight--;
        return i * 10;
      },
      (value, i) => {
        expect(value).toBe(i * 10);
        events.push(`emit ${i}`);
      },
    );
    expect(most).toBe(2);
    expect(events.filter((e) => e.startsWith('emit'))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `emit ${i}`));
    // Item 0 is emitted before the last item starts: results stream, they are not collected.
    expect(events.indexOf('emit 0')).toBeLessThan(events.indexOf('start 5'));
  });

  it('rethrows a failure after emitting what came before it', async () => {
    const emitted: number[] = [];
    const run = mapOrdered(
      [1, 2, 3, 4],
      3,
      async (n) => {
        if (n === 3) throw new Error('boom');
        return n;
      },
      (n) => {
        emitted.push(n);
      },
    );
    await expect(run).rejects.toThrow('boom');
    expect(emitted).toEqual([1, 2]);
  });
});

describe('runCli over a fake engine', () => {
  // File contents drive the fake: "faces N", "noface", or anything else (not an image).
  let dir: string;
  const calls: { detect: unknown[]; verify: unknown[]; prepare: string[] } = {
    detect: [],
    verify: [],
    prepare: [],
  };

  /** As the engine: an image of a pair (`role`) is named in its errors. */
  const parse = (bytes: Uint8Array, role?: ImageRole) => {
    const text = Buffer.from(bytes).toString();
    if (text === 'noface') return 0;
    const m = /^faces (\d+)$/.exec(text);
    if (!m) {
      throw new FaceVerifyError(
        'InvalidImage',
        'The data is not an image.',
        role && { details: { image: role } },
      );
    }
    return Number(m[1]);
  };
  const engine: Engine = {
    detect: async (bytes, request) => {
      calls.detect.push(request);
      const n = parse(bytes);
      return {
        width: 64,
        height: 48,
        faces: Array.from({ length: n }, (_, i) => face(i * 10, 30 - i)),
        timings: { decode: 0, detect: 0, align: 0, embed: 0, total: 0 },
      };
    },
    // One image's side: its face count stands in for the embedding.
    prepare: async (bytes, role) => {
      calls.prepare.push(role);
      const n = parse(bytes, role);
      if (n === 0) {
        throw new FaceVerifyError('NoFaceDetected', `No face was found in the ${role} image.`, {
          details: { image: role },
        });
      }
      const found = face(0, 30);
      return { faces: [{ ...found, detected: found.landmarks }], embeddings: [Float32Array.of(n)] };
    },
    compare: (source, target, request) => {
      calls.verify.push(request);
      const similarity = source.embeddings[0]?.[0] === target.embeddings[0]?.[0] ? 0.95 : 0.2;
      const threshold = request?.threshold ?? 0.904;
      return {
        match: similarity >= threshold,
        similarity,
        threshold,
        far: similarity > 0.9 ? 0.0001 : 0.3,
        pose: 'frontal' as const,
        source: face(0, 30),
        target: face(5, 20),
        poorFaces: [],
      };
    },
  };

  async function run(argv: string[], options: { load?: () => Promise<Engine>; tty?: boolean } = {}) {
    let stdout = '';
    let stderr = '';
    const sink = (append: (text: string) => void) => ({
      write: (text: string) => {
        append(text);
        return true;
      },
      once: () => undefined,
    });
    const code = await runCli(argv, {
      stdout: sink((t) => {
        stdout += t;
      }),
      stderr: {
        ...sink((t) => {
          stderr += t;
        }),
        isTTY: options.tty ?? false,
      },
      loadEngine: options.load ?? (async () => engine),
      env: {},
    });
    return { code, stdout, stderr, lines: stdout.trim().split('\n') };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faceverify-cli-parts-'));
    await mkdir(join(dir, 'sub'));
    await mkdir(join(dir, 'folder.jpg'));
    await writeFile(join(dir, 'two.jpg'), 'faces 2');
    await writeFile(join(dir, 'sub', 'two-again.jpg'), 'faces 2');
    await writeFile(join(dir, 'three.jpg'), 'faces 3');
    await writeFile(join(dir, 'none.png'), 'noface');
    await writeFile(join(dir, 'text.jpg'), 'hello');
    const tsv = [
      '# comment',
      'two.jpg\tsub/two-again.jpg',
      '',
      'no tab here',
      'two.jpg\tmissing.jpg',
      `${join(dir, 'none.png')}\tthree.jpg`,
      'two.jpg\ttext.jpg',
      'two.jpg\tthree.jpg',
    ];
    await writeFile(join(dir, 'pairs.tsv'), `${tsv.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detect: one line per file, in order, with per-file errors', async () => {
    const files = ['two.jpg', 'missing.jpg', 'text.jpg', 'folder.jpg', 'none.png', 'three.jpg'].map((f) =>
      join(dir, f),
    );
    const { code, lines } = await run(['detect', ...files, '--json', '--max-faces', '5']);
    expect(code).toBe(0);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.file)).toEqual(files);
    expect(parsed.map((p) => p.faces?.length ?? p.error.code)).toEqual([
      2,
      'NotFound',
      'InvalidImage',
      'InvalidRequest',
      0,
      3,
    ]);
    expect(Object.keys(parsed[1].error)).toEqual(['code', 'message']);
    // Only the options given reach the engine (undefined would override its defaults).
    expect(calls.detect.at(-1)).toEqual({ maxFaces: 5 });
  });

  it('verify --pairs and detect show progress on a terminal only, on stderr, and the same answers', async () => {
    const pairs = ['verify', '--pairs', join(dir, 'pairs.tsv'), '--json'];
    const files = ['two.jpg', 'text.jpg', 'three.jpg'].map((f) => join(dir, f));
    for (const [argv, last] of [
      [pairs, '6/6 pairs'],
      [['detect', ...files, '--json'], '3/3 images'],
    ] as const) {
      const [quiet, shown] = [await run([...argv]), await run([...argv], { tty: true })];
      expect(quiet.stderr).toBe('');
      expect(shown.stdout).toBe(quiet.stdout);
      expect(shown.stderr).toContain(`\r\x1b[2K${last} · `);
      expect(shown.stderr).toMatch(/\/s.*failed/);
      // The line is cleared at the end, so what follows starts clean.
      expect(shown.stderr.endsWith('\r\x1b[2K')).toBe(true);
    }
  });

  it('verify --pairs: a, b, line on every line, errors in place, naming the image', async () => {
    calls.prepare.length = 0;
    const { code, lines, stderr } = await run(['verify', '--pairs', join(dir, 'pairs.tsv'), '--json']);
    // Each distinct content is prepared once (two.jpg's in 4 pairs, also as sub/two-again.jpg); failures are not kept.
    expect(calls.prepare.sort()).toEqual(['source', 'source', 'target', 'target']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => [p.line, p.a, p.b])).toEqual([
      [2, 'two.jpg', 'sub/two-again.jpg'],
      [4, null, null],
      [5, 'two.jpg', 'missing.jpg'],
      [6, join(dir, 'none.png'), 'three.jpg'],
      [7, 'two.jpg', 'text.jpg'],
      [8, 'two.jpg', 'three.jpg'],
    ]);
    expect(parsed.map((p) => p.match ?? `${p.error.code} ${p.error.image}`)).toEqual([
      true,
      'InvalidRequest undefined',
      'NotFound target',
      'NoFaceDetected source',
      'InvalidImage target',
      false,
    ]);
    expect(parsed[2].error.message).toBe(`No such file: ${join(dir, 'missing.jpg')}`);
  });

  it('verify --pairs for people: one line per pair and a tally', async () => {
    const { code, lines } = await run(['verify', '--pairs', join(dir, 'pairs.tsv'), '--threshold', '0.1']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('two.jpg  sub/two-again.jpg  Same person (similarity 0.95 ≥ threshold 0.10)');
    expect(lines[1]).toMatch(/^line 4 {2}error InvalidRequest: /);
    expect(lines[5]).toBe('two.jpg  three.jpg  Same person (similarity 0.20 ≥ threshold 0.10)');
    expect(lines[6]).toBe('6 pairs: 2 same person, 0 different people, 4 errors');
    expect(calls.verify.at(-1)).toEqual({ threshold: 0.1 });
  });

  it('verify A B: the exact shape, or an error line naming the image', async () => {
    const ok = await run(['verify', join(dir, 'two.jpg'), join(dir, 'three.jpg'), '--json']);
    expect(Object.keys(JSON.parse(ok.stdout))).toEqual(VERIFY_KEYS);
    const noFace = await run(['verify', join(dir, 'two.jpg'), join(dir, 'none.png'), '--json']);
    expect(noFace.code).toBe(0);
    expect(JSON.parse(noFace.stdout)).toMatchObject({
      a: join(dir, 'two.jpg'),
      error: { code: 'NoFaceDetected', image: 'target' },
    });
  });

  it('exits 2 with the usage for bad arguments or an unreadable pairs file, before loading models', async () => {
    const load = async (): Promise<Engine> => {
      throw new Error('must not load');
    };
    for (const argv of [
      ['detect'],
      ['verify', '--pairs', join(dir, 'nope.tsv')],
      ['detect', 'x', '--min-score', '2'],
    ]) {
      const { code, stdout, stderr } = await run(argv, { load });
      expect(code, argv.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^faceverify: .+\n\nUsage:\n/);
    }
    expect((await run(['verify', '--pairs', join(dir, 'nope.tsv')], { load })).stderr).toMatch(
      /cannot read the pairs file: No such file: /,
    );
    const help = await run(['--help'], { load });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(USAGE);
  });

  it('exits 1 with a clear message when the models cannot load', async () => {
    const load = async (): Promise<Engine> => {
      throw new Error('no model manifest in /x: run `npm run build:models`');
    };
    const { code, stdout, stderr } = await run(['detect', join(dir, 'two.jpg')], { load });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'faceverify: cannot load the face models: no model manifest in /x: run `npm run build:models`\n',
    );
  });
});
