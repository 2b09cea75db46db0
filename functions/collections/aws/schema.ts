/**
 * The collections table's key layout, shared by the store and the CDK construct that makes the table,
 * so the two cannot disagree. Free of SDK and CDK imports.
 *
 * One table, string keys `pk`/`sk`:
 * - a collection: `pk = owner#<owner>`, `sk = collection#<collectionId>` (a Query on the owner lists
 *   them by id);
 * - a face: `pk = faces#<generation>`, `sk = face#<faceId>`, plus `byTime = <createdAt>#<faceId>` and
 *   `bySubject = <externalId>#<createdAt>#<faceId>` for the two local secondary indexes that list a
 *   collection's faces, or one person's, in the contract's order with strongly consistent reads;
 * - a person's face count: `pk = faces#<generation>`, `sk = subject#<externalId>` (no index attributes,
 *   so the indexes stay sparse).
 * `generation` is a UUID drawn when the collection is created: a collection deleted and created again
 * never sees a face (or vector) its predecessor left behind.
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Local secondary indexes: name and sort key attribute. */
export const TABLE_INDEXES = {
  byTime: { name: 'byTime', sortKey: 'byTime' },
  bySubject: { name: 'bySubject', sortKey: 'bySubject' },
} as const;

/** Every collection index's name starts so (vectors.ts): the IAM policy grants these and no other index. */
export const INDEX_NAME_PREFIX = 'fv-';
