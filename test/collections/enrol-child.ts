/**
 * Durability test's child: enrols one face at a time into a SQLite store for ever, printing
 * `faceId externalId` once addFaces has resolved (acknowledged). The test kills it with SIGKILL.
 * Usage: node --import tsx test/collections/enrol-child.ts <database> <seed>
 */
import { randomUUID } from 'node:crypto';
import { SqliteCollectionStore } from '../../functions/collections/sqlite-store.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';
import { randomUnit } from './store-contract.ts';

const [path, seed] = process.argv.slice(2);
if (!path || !seed) throw new Error('usage: enrol-child.ts <database> <seed>');
const store = new SqliteCollectionStore(path);
const random = seededRandom(Number(seed));
await store.createCollection('owner', 'door', { name: 'm', version: '1' }, 320);
for (;;) {
  const face = {
    faceId: randomUUID(),
    externalId: `person-${Math.floor(random() * 50)}`,
    box: { x: 1, y: 2, width: 3, height: 4 },
    pose: 'frontal' as const,
    createdAt: new Date().toISOString(),
    embedding: randomUnit(random, 320),
  };
  await store.addFaces('owner', 'door', [face]);
  process.stdout.write(`${face.faceId} ${face.externalId}\n`);
}
