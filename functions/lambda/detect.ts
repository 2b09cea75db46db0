/** Lambda entry of the `detect` function (infra/functions.ts): its handlers, configured at init. */
import { detectHandlers } from '../handlers/detect.ts';
import { lambdaHttpHandler } from './entry.ts';

export const handler = await lambdaHttpHandler('detect', detectHandlers);
