/**
 * Soak test of the drop folder, outside the default test run: PAIRS pairs of LFW photos uploaded at once
 * to the local S3 endpoint, every event delivered through the local watcher to the Lambda handler module
 * as on AWS (batches of 4, 5 at a time), and one event in ten delivered a second time, at a moment of
 * its own. Passes when every pair has exactly one result, nothing is left in incoming/ and no message
 * was dead-lettered.
 *
 *   npx tsx scripts/soak-drop.ts [pairs=100] [redelivered=0.1]
 */
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { dropHandler } from '../functions/drop/queue.ts';
import { s3DropStore } from '../functions/drop/s3-store.ts';
import { startDropWatcher } from '../functions/local/drop-watcher.ts';
import { LOCAL_BUCKETS, startLocalS3 } from '../functions/local/s3.ts';
import { logger } from '../functions/shared/observability.ts';
import { createRuntime } from '../functions/shared/runtime.ts';
import { runtimeConfig } from '../functions/shared/runtime-config.ts';

const PAIRS = Number(process.argv[2] ?? 100);
const REDELIVERED = Number(process.argv[3] ?? 0.1);
const BUCKET = LOCAL_BUCKETS.drop;
const LFW = new URL('../../shared/data/lfw-view1/', import.meta.url);

interface Pair {
  id: string;
  same: boolean;
  files: [string, string];
}

/** The first same-person and different-person pairs of LFW's DevTest list, half and half. */
async function lfwPairs(count: number): Promise<Pair[]> {
  const lines = (await readFile(new URL('pairsDevTest.txt', LFW), 'utf8')).trim().split('\n').slice(1);
  const image = (name: string, n: string) => `images/${name}/${name}_${n.padStart(4, '0')}.jpg`;
  const parsed = lines.map((line) => line.split('\t'));
  const same = parsed
    .filter((f) => f.length === 3)
    .map(([n, i, j]) => [image(n ?? '', i ?? ''), image(n ?? '', j ?? '')]);
  const different = parsed
    .filter((f) => f.length === 4)
    .map(([n1, i, n2, j]) => [image(n1 ?? '', i ?? ''), image(n2 ?? '', j ?? '')]);
  return Array.from({ length: count }, (_, k) => {
    const isSame = k % 2 === 0;
    const files = (isSame ? same : different)[Math.floor(k / 2)] as [string, string];
    return { id: `soak-${String(k).padStart(3, '0')}`, same: isSame, files };
  });
}

async function listAll(client: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const pairs = await lfwPairs(PAIRS).catch((error: unknown) => {
  console.error(`soak-drop needs the LFW images under ${LFW.pathname}: ${error}`);
  process.exit(2);
});
const s3 = await startLocalS3({ port: 0 });
const runtime = createRuntime({ ...runtimeConfig({}), dropBucket: BUCKET, s3Endpoint: s3.endpoint });
const handler = dropHandler({
  bucket: BUCKET,
  store: s3DropStore(runtime.s3, BUCKET),
  engine: await runtime.engine(),
});
const client = s3.client();

const outcomes = new Map<string, number>();
const info = logger.info.bind(logger);
logger.info = (message: string, ...rest: unknown[]) => {
  const outcome = (rest[0] as { outcome?: string } | undefined)?.outcome;
  if (message === 'drop object' && outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  else info(message, ...(rest as []));
};

// One event in 1/REDELIVERED is delivered again up to 2 s later, as S3 and SQS may do: its copy races the rest.
const firstDeliveries = new Set<string>();
const redeliveries: Promise<void>[] = [];
const watcher = startDropWatcher({
  s3: s3.server,
  bucket: BUCKET,
  handler: async (event: SQSEvent) => {
    for (const { body } of event.Records) {
      if (firstDeliveries.has(body)) continue;
      firstDeliveries.add(body);
      if (firstDeliveries.size % Math.round(1 / REDELIVERED) !== 0) continue;
      const notification = JSON.parse(body) as S3Event;
      redeliveries.push(
        new Promise((resolve) => setTimeout(resolve, Math.random() * 2000)).then(() =>
          watcher.publish(notification),
        ),
      );
    }
    return handler(event);
  },
});

const bytes = await Promise.all(
  pairs.map(({ files }) => Promise.all(files.map((file) => readFile(new URL(file, LFW))))),
);
const started = performance.now();
await Promise.all(
  pairs.flatMap((pair, p) =>
    pair.files.map((file, f) =>
      client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `incoming/${pair.id}/${f + 1}-${file.split('/').pop()}`,
          Body: bytes[p]?.[f],
        }),
      ),
    ),
  ),
);
// Until the queue is empty with every redelivery published and handled.
let published = -1;
while (published !== redeliveries.length) {
  await watcher.idle();
  published = redeliveries.length;
  await Promise.all(redeliveries);
  await watcher.idle();
}
const wallSeconds = (performance.now() - started) / 1000;

const results = await listAll(client, 'results/');
const leftovers = await listAll(client, 'incoming/');
const resultFor = new Set(results);
const lost = pairs.filter((pair) => !resultFor.has(`results/${pair.id}.json`));
let correct = 0;
let errors = 0;
for (const pair of pairs) {
  const object = await client
    .send(new GetObjectCommand({ Bucket: BUCKET, Key: `results/${pair.id}.json` }))
    .catch(() => undefined);
  const result = object && JSON.parse((await object.Body?.transformToString()) ?? '{}');
  if (result?.error) errors++;
  else if (result?.match === pair.same) correct++;
}
const figures = {
  pairs: PAIRS,
  uploads: PAIRS * 2,
  events: firstDeliveries.size,
  redeliveries: redeliveries.length,
  results: results.length,
  lost: lost.length,
  errorResults: errors,
  correctVerdicts: correct,
  leftInIncoming: leftovers.length,
  deadLetters: watcher.deadLetters.length,
  outcomes: Object.fromEntries(outcomes),
  wallSeconds: Math.round(wallSeconds * 10) / 10,
};
console.log(JSON.stringify(figures, null, 2));
watcher.stop();
await s3.stop();
const passed =
  results.length === PAIRS && lost.length === 0 && leftovers.length === 0 && watcher.deadLetters.length === 0;
console.log(passed ? 'soak passed' : 'soak FAILED');
process.exit(passed ? 0 : 1);
