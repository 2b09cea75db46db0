/** Lambda entry of the `verify` function (infra/functions.ts): its handlers, configured at init. */
import { verifyHandlers } from '../handlers/verify.ts';
import { lambdaHttpHandler } from './entry.ts';

export const handler = await lambdaHttpHandler('verify', verifyHandlers);
