/**
 * What `npm start` acknowledged survives kill -9: the real server process (functions/local/main.ts)
 * with a temporary FACEVERIFY_DATA_DIR, enrolments through HTTP, SIGKILL while more are in flight, a
 * restart on the same folder; every face answered 201 is listed, and the counts agree with the rows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cropJpeg, demoPhoto } from '../http/photos.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'functions', 'local', 'main.ts');
const ACKNOWLEDGED_BEFORE_KILL = 6;
const children: ChildProcess[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `npm start` on free ports over `dataDir`; resolves with its URL once it listens. */
function start(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, PORT: '0', S3_PORT: '0', FACEVERIFY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk;
      const url = /faceverify API and web page: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code, signal) =>
      reject(new Error(`npm start exited (${code ?? signal}): ${output}`)),
    );
  });
}

async function listed(url: string): Promise<{ faceId: string; externalId: string }[]> {
  const faces: { faceId: string; externalId: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = new URL('/collections/door/faces', url);
    page.searchParams.set('limit', '1000');
    if (nextToken) page.searchParams.set('nextToken', nextToken);
    const response = await fetch(page);
    const body = (await response.json()) as { faces: typeof faces; nextToken?: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    faces.push(...body.faces);
    nextToken = body.nextToken;
  } while (nextToken);
  return faces;
}

it('keeps every face npm start acknowledged when killed with SIGKILL mid-enrolment', async () => {
  dir = await mkdtemp(join(tmpdir(), 'faceverify-server-durability-'));
  const group = await demoPhoto(1, 640);
  const first = await start(dir);
  const detected = await fetch(new URL('/detect', first.url), {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(group),
  });
  const boxes = ((await detected.json()) as { faces: { box: never }[] }).faces.map((f) => f.box);
  const portraits = await Promise.all(boxes.map((box) => cropJpeg(group, box)));
  expect((await fetch(new URL('/collections/door', first.url), { method: 'PUT' })).status).toBe(201);

  // Two enrolments in flight at a time, without end, until the kill.
  const acknowledged = new Map<string, string>();
  let killed = false;
  let n = 0;
  const enrolForever = async () => {
    while (!killed) {
      const externalId = `person-${n++}`;
      const image = (portraits[n % portraits.length] as Buffer).toString('base64');
      try {
        const response = await fetch(new URL('/collections/door/faces', first.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image, externalId }),
        });
        const body = (await response.json()) as { faces: { faceId: string }[] };
        if (response.status === 201) acknowledged.set(body.faces[0]?.faceId as string, externalId);
      } catch {
        return; // the connection died with the server
      }
    }
  };
  const writers = [enrolForever(), enrolForever()];
  while (acknowledged.size < ACKNOWLEDGED_BEFORE_KILL) await new Promise((r) => setTimeout(r, 50));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    first.child.once('exit', (_, s) => resolve(s)),
  );
  killed = true;
  first.child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  await Promise.all(writers);

  const second = await start(dir);
  const faces = await listed(second.url);
  const byId = new Map(faces.map((f) => [f.faceId, f.externalId]));
  for (const [faceId, externalId] of acknowledged) expect(byId.get(faceId)).toBe(externalId);
  // A face may have been committed but its answer lost with the process: at most one per writer.
  expect(faces.length).toBeGreaterThanOrEqual(acknowledged.size);
  expect(faces.length).toBeLessThanOrEqual(acknowledged.size + writers.length);
  const door = (await (await fetch(new URL('/collections/door', second.url))).json()) as {
    faceCount: number;
    subjectCount: number;
  };
  expect(door).toMatchObject({ faceCount: faces.length, subjectCount: faces.length });
});
