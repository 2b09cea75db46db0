/** Parent side of the peer measurement: runs scripts/bench/peer.ts in its own process and summarises it. */
import { join } from 'node:path';
import { findEvent, runChild } from './child.ts';
import { REPO_ROOT } from './cold-start.ts';
import { type Load, LoadMeter, round, type Summary, summarise } from './stats.ts';

interface PeerTimings {
  decode: number;
  faces: number;
  total: number;
  cpu: number;
}

export interface PeerPairResult {
  verify: Summary;
  decode: Summary;
  /** Detection + landmarks + descriptor of both photos. */
  faces: Summary;
  /** CPU time (all threads) per verify. */
  cpu: Summary;
}

export interface PeerResult {
  name: string;
  backend: string;
  simd: boolean;
  threads: boolean;
  large: PeerPairResult;
  small: PeerPairResult;
  cold: { script: number; ready: number; answer: number; parentAnswer: number };
  distance: number;
  maxRssMb: number;
  load: Load;
}

function pair(samples: PeerTimings[]): PeerPairResult {
  return {
    verify: summarise(samples.map((s) => s.total)),
    decode: summarise(samples.map((s) => s.decode)),
    faces: summarise(samples.map((s) => s.faces)),
    cpu: summarise(samples.map((s) => s.cpu)),
  };
}

export async function benchPeer(
  iterations: number,
  smallIterations: number,
  maxMs: number,
): Promise<PeerResult> {
  const meter = new LoadMeter();
  const run = await runChild({
    args: [
      '--import',
      'tsx',
      join(REPO_ROOT, 'scripts', 'bench', 'peer.ts'),
      '--iterations',
      String(iterations),
      '--small-iterations',
      String(smallIterations),
      '--max-ms',
      String(maxMs),
    ],
    cwd: REPO_ROOT,
    timeoutMs: 240_000,
  });
  const ready = findEvent(run, 'ready');
  const answer = findEvent(run, 'answer');
  const done = findEvent(run, 'done');
  const versions = ready.versions as { faceApi: string; tfjs: string };
  return {
    name: `@vladmandic/face-api ${versions.faceApi} + @tensorflow/tfjs ${versions.tfjs} (wasm)`,
    backend: ready.backend as string,
    simd: ready.simd as boolean,
    threads: ready.threads as boolean,
    large: pair(done.large as PeerTimings[]),
    small: pair(done.small as PeerTimings[]),
    cold: {
      script: round(findEvent(run, 'script').childMs as number),
      ready: round(ready.childMs as number),
      answer: round(answer.childMs as number),
      parentAnswer: round(answer.parentMs),
    },
    distance: round(answer.distance as number, 4),
    maxRssMb: round(done.maxRssMb as number),
    load: meter.stop(done.cpuMs as number),
  };
}
