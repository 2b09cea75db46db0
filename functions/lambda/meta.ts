/** Lambda entry of the `meta` function (infra/functions.ts): its handlers, configured at init. */
import { metaHandlers } from '../handlers/meta.ts';
import { lambdaHttpHandler } from './entry.ts';

export const handler = await lambdaHttpHandler('meta', metaHandlers);
