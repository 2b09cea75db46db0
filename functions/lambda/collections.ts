/** Lambda entry of the `collections` function (infra/functions.ts): its handlers, configured at init. */
import { collectionsHandlers } from '../handlers/collections.ts';
import { lambdaHttpHandler } from './entry.ts';

export const handler = await lambdaHttpHandler('collections', collectionsHandlers);
