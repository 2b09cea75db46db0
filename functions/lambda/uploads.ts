/** Lambda entry of the `uploads` function (infra/functions.ts): its handlers, configured at init. */
import { uploadsHandlers } from '../handlers/uploads.ts';
import { lambdaHttpHandler } from './entry.ts';

export const handler = await lambdaHttpHandler('uploads', uploadsHandlers);
