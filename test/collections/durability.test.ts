/**
 * What the store acknowledged survives kill -9: two processes (as the CLI and `npm start` would)
 * enrol into one collection of one database file; both are killed mid-run; the reopened file holds
 * every acknowledged face, and its counts agree with its rows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import type { FaceRecord } from '../../functions/collections/store.ts';

const CHILD = join(import.meta.dirname, 'enrol-child.ts');
const ACKNOWLEDGED_BEFORE_KILL = 60;
let dir: string | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a child and collects the faces it acknowledges; resolves once it has acknowledged `count`. */
function enrol(path: string, seed: number, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(seed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const acknowledged = new Map<string, string>();
  let stderr = '';
  let partial = '';
  const reached = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [faceId, externalId] = line.split(' ');
        if (faceId && externalId) acknowledged.set(faceId, externalId);
      }
      if (acknowledged.size >= count) resolve();
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`child exited (${code ?? signal}) early: ${stderr}`)),
    );
  });
  return { child, acknowledged, reached };
}

it('keeps every acknowledged face of two writers killed with SIGKILL mid-enrolment', async () => {
  dir = mkdtempSync(join(tmpdir(), 'faceverify-durability-'));
  const path = join(dir, 'collections.db');
  const writers = [enrol(path, 1, ACKNOWLEDGED_BEFORE_KILL), enrol(path, 2, ACKNOWLEDGED_BEFORE_KILL)];
  await Promise.all(writers.map((w) => w.reached));
  // 'close': after the pipe is drained, so every line printed before the kill is counted.
  const exits = writers.map(
    (w) =>
      new Promise<NodeJS.Signals | null>((resolve) => w.child.once('close', (_, signal) => resolve(signal))),
  );
  for (const w of writers) w.child.kill('SIGKILL');
  expect(await Promise.all(exits)).toEqual(['SIGKILL', 'SIGKILL']);

  const store = new SqliteCollectionStore(path);
  try {
    const stored: FaceRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.listFaces('owner', 'door', { limit: 1000, nextToken });
      stored.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    const byId = new Map(stored.map((f) => [f.faceId, f.externalId]));
    let acknowledged = 0;
    for (const w of writers) {
      for (const [faceId, externalId] of w.acknowledged) expect(byId.get(faceId)).toBe(externalId);
      acknowledged += w.acknowledged.size;
    }
    // A face may have been committed but killed before it was printed: at most one per writer.
    expect(stored.length).toBeGreaterThanOrEqual(acknowledged);
    expect(stored.length).toBeLessThanOrEqual(acknowledged + writers.length);
    const collection = await store.getCollection('owner', 'door');
    expect(collection?.faceCount).toBe(stored.length);
    expect(collection?.subjectCount).toBe(new Set(stored.map((f) => f.externalId)).size);
    expect(await store.search('owner', 'door', new Float32Array(320).fill(1), 3)).toHaveLength(3);
  } finally {
    await store.close();
  }
});
