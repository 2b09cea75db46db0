/**
 * The `/collections…` routes on AWS, over the store `awsCollectionStore()` (functions/collections/aws)
 * builds from COLLECTIONS_TABLE and VECTOR_BUCKET. The routes themselves come from the route table and
 * are wired here when it lands; until then every request answers 404 NotFound.
 */
import { httpHandler } from '../http/handler.ts';

export const handler = httpHandler({});
