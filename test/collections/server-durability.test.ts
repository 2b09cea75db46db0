/**
 * What `npm start` acknowledged survives kill -9: the real server process (functions/local/main.ts)
 * with a temporary FACEVERIFY_DATA_DIR, enrolments through HTTP, SIGKILL while more are in flight, a
 * restart on the same folder; every face answered 201 is listed, and the counts agree with the rows.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type RunningMain, startMain } from '../drop/main-process.ts';
import { cropJpeg, demoPhoto } from '../http/photos.ts';

const ACKNOWLEDGED_BEFORE_KILL = 6;
const servers: RunningMain[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    server.client.destroy();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `npm start` on free ports over `dataDir`, once it listens. */
async function start(dataDir: string): Promise<RunningMain> {
  const tmp = join(dataDir, '..', 'tmp');
  await mkdir(tmp, { recursive: true });
  const server = await startMain(dataDir, tmp);
  servers.push(server);
  return server;
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
  const data = join(dir, 'data');
  const group = await demoPhoto(1, 640);
  const first = await start(data);
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
  killed = true;
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  await Promise.all(writers);

  const second = await start(data);
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
