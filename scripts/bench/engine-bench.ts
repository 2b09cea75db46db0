/**
 * In-process measurements of the engine: each stage called directly, `engine.verify`, and
 * throughput at a given concurrency. Stages run interleaved, one of each per round, so a burst of
 * load from elsewhere on the machine lands on every stage alike instead of wiping out one of them.
 */
import { FusedEmbedder } from '../../functions/core/embedder.ts';
import type { FaceEngine, FaceService } from '../../functions/core/engine.ts';
import { assessFace } from '../../functions/core/face-quality.ts';
import type { Box, Face, RgbImage } from '../../functions/core/types.ts';
import type { Photo } from './photos.ts';
import { QUALITY_STAGE } from './report.ts';
import { type Load, LoadMeter, median, round, type Summary, summarise, time } from './stats.ts';

export interface StageResult {
  stage: string;
  note: string;
  summary: Summary;
}

export interface PhotoStages {
  photo: string;
  width: number;
  height: number;
  faces: number;
  stages: StageResult[];
  load: Load;
}

interface EngineParts {
  detector: { name: string; detect(image: RgbImage, options: { tiles: boolean }): Promise<unknown> };
  landmarks: { name: string; refine(image: RgbImage, boxes: readonly Box[]): Promise<unknown> } | undefined;
}

interface Stage {
  stage: string;
  note: string;
  run: () => Promise<unknown>;
  /** Measured every this many rounds only (slow stages). */
  every?: number;
}

/** How many measured iterations, and when to stop early on a slow (busy) machine. */
export interface Budget {
  warmup: number;
  iterations: number;
  /** Stop starting rounds after this long once `minIterations` are done. */
  maxMs: number;
  minIterations: number;
}

async function rounds(stages: readonly Stage[], budget: Budget): Promise<number[][]> {
  for (let i = 0; i < budget.warmup; i++) for (const s of stages) await s.run();
  const samples: number[][] = stages.map(() => []);
  const start = performance.now();
  for (let i = 0; i < budget.iterations; i++) {
    if (i >= budget.minIterations && performance.now() - start > budget.maxMs) break;
    for (const [k, s] of stages.entries()) {
      if (i % (s.every ?? 1) === 0) samples[k]?.push((await time(s.run))[0]);
    }
  }
  return samples;
}

/** Per-stage latency on one photo: decode, detect (as verify runs it, and tiled), align, embed. */
export async function benchStages(engine: FaceEngine, photo: Photo, budget: Budget): Promise<PhotoStages> {
  const image: RgbImage = await engine.decode(photo.bytes);
  const faces = await engine.findFaces(image, { tiles: false });
  const face = faces[0] as Face | undefined;
  if (!face) throw new Error(`no face in ${photo.name}`);
  // The face as verify embeds it: with the detector's landmarks beside the refined ones.
  const [compared] = await engine.pairFaces(image, 'source', false);
  const boxes = faces.map((f) => f.box);
  // The detector and landmark models on their own, when the engine exposes them (they are internals
  // that model evaluation may reshape, so the bench only looks for them).
  const parts = engine as unknown as Partial<EngineParts>;
  const detector = typeof parts.detector?.detect === 'function' ? parts.detector : undefined;
  const landmarks = typeof parts.landmarks?.refine === 'function' ? parts.landmarks : undefined;
  const fused = engine.embedder instanceof FusedEmbedder ? engine.embedder.parts : undefined;
  const stages: Stage[] = [
    { stage: 'decode', note: 'JPEG → RGB (sharp)', run: () => engine.decode(photo.bytes) },
    {
      stage: 'detect',
      note: 'findFaces, whole view (what verify runs)',
      run: () => engine.findFaces(image, { tiles: false }),
    },
    ...(detector
      ? [
          {
            stage: '↳ detector',
            note: `${detector.name}, whole-image view(s)`,
            run: () => detector.detect(image, { tiles: false }),
          },
        ]
      : []),
    ...(landmarks
      ? [
          {
            stage: '↳ landmarks',
            note: `${landmarks.name}, ${boxes.length} face(s) batched`,
            run: () => landmarks.refine(image, boxes),
          },
        ]
      : []),
    ...(compared
      ? [
          {
            stage: QUALITY_STAGE,
            note: 'assessFace on the compared face (its share of detect, per face)',
            run: async () => assessFace(image, compared, engine.qualityModel),
          },
        ]
      : []),
    {
      stage: 'detect, tiled',
      note: 'findFaces with tiles (what /detect runs), every 3rd round',
      run: () => engine.findFaces(image),
      every: 3,
    },
    {
      stage: 'align',
      note: 'largest face → aligned crop',
      run: () => engine.embedder.align(image, face.landmarks),
    },
    {
      stage: 'align + embed',
      note: `${engine.embedder.name}, the face verify compares, as verify embeds it`,
      run: () => engine.embedFaces(image, compared ? [compared] : []),
    },
    // Each embedder of a fusion on its own: its crops (two alignments, each flipped if it flips) and runs.
    ...(fused && compared
      ? fused.map(({ embedder }) => ({
          stage: `↳ ${embedder.name}`,
          note: `${embedder.flip ? 'two alignments × flip' : 'two alignments'}, one batched run`,
          run: () => embedder.embedFaces(image, [[compared.landmarks, compared.detected]]),
        }))
      : []),
  ];
  const meter = new LoadMeter();
  const samples = await rounds(stages, budget);
  return {
    photo: photo.name,
    width: photo.width,
    height: photo.height,
    faces: faces.length,
    stages: stages.map((s, k) => ({ stage: s.stage, note: s.note, summary: summarise(samples[k] ?? []) })),
    load: meter.stop(),
  };
}

export interface VerifyBench {
  pair: string;
  summary: Summary;
  /** Medians of verify's own timings (its align lap is folded into embed). */
  breakdown: Record<'decode' | 'detect' | 'align' | 'embed', number>;
  /**
   * CPU time (all threads) per verify: much steadier than wall time on a busy machine, and on an
   * idle 2-core one the wall time cannot go below about half of it.
   */
  cpuMs: number;
  similarity: number;
  match: boolean;
  load: Load;
}

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** `engine.verify(a, b)` warm, for each pair, interleaved. */
export async function benchVerify(
  engine: Pick<FaceService, 'verify'>,
  pairs: readonly (readonly [Photo, Photo])[],
  budget: Budget,
): Promise<VerifyBench[]> {
  for (let i = 0; i < budget.warmup; i++) for (const [a, b] of pairs) await engine.verify(a.bytes, b.bytes);
  const results = pairs.map(() => ({
    wall: [] as number[],
    cpu: 0,
    timings: [] as Record<string, number>[],
  }));
  const last: { similarity: number; match: boolean }[] = [];
  const meter = new LoadMeter();
  const start = performance.now();
  for (let i = 0; i < budget.iterations; i++) {
    if (i >= budget.minIterations && performance.now() - start > budget.maxMs) break;
    for (const [k, [a, b]] of pairs.entries()) {
      const cpu = cpuNow();
      const [ms, response] = await time(() => engine.verify(a.bytes, b.bytes));
      const r = results[k];
      if (r) r.cpu += cpuNow() - cpu;
      r?.wall.push(ms);
      results[k]?.timings.push({ ...response.timings });
      last[k] = { similarity: response.similarity, match: response.match };
    }
  }
  const load = meter.stop();
  return pairs.map(([a, b], k) => {
    const r = results[k] ?? { wall: [], cpu: 0, timings: [] };
    const med = (key: string) => round(median(r.timings.map((t) => t[key] ?? 0)));
    return {
      pair: `${a.name} + ${b.name}`,
      summary: summarise(r.wall),
      breakdown: { decode: med('decode'), detect: med('detect'), align: med('align'), embed: med('embed') },
      cpuMs: round(r.cpu / (r.wall.length || 1)),
      similarity: last[k]?.similarity ?? Number.NaN,
      match: last[k]?.match ?? false,
      load,
    };
  });
}

export interface ThroughputResult {
  concurrency: number;
  requests: number;
  seconds: number;
  perSecond: number;
  /** CPU time (all threads) per verify. */
  cpuMs: number;
  latency: Summary;
  load: Load;
}

/** Verify requests per second with `concurrency` in flight, for `requests` requests or `maxMs`. */
export async function benchThroughput(
  engine: Pick<FaceService, 'verify'>,
  [a, b]: readonly [Photo, Photo],
  concurrency: number,
  requests: number,
  maxMs: number,
): Promise<ThroughputResult> {
  const latencies: number[] = [];
  let started = 0;
  const cpu = cpuNow();
  const meter = new LoadMeter();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < requests && performance.now() - start < maxMs) {
        started++;
        latencies.push((await time(() => engine.verify(a.bytes, b.bytes)))[0]);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    concurrency,
    requests: latencies.length,
    seconds: round(seconds, 2),
    perSecond: round(latencies.length / seconds, 2),
    cpuMs: round((cpuNow() - cpu) / (latencies.length || 1)),
    latency: summarise(latencies),
    load: meter.stop(),
  };
}
