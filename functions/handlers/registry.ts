/**
 * Every HTTP function's handler over one runtime, for a process that serves every route (the local
 * server); a Lambda entry (functions/lambda/) imports only its own function's module. A new function
 * is one line here.
 */
import { type Handlers, type HttpHandler, httpHandler } from '../http/dispatch.ts';
import type { HttpFunctionName } from '../shared/contract.ts';
import type { Runtime } from '../shared/runtime.ts';
import { collectionsHandlers } from './collections.ts';
import { detectHandlers } from './detect.ts';
import { metaHandlers } from './meta.ts';
import { uploadsHandlers } from './uploads.ts';
import { verifyHandlers } from './verify.ts';

export async function httpHandlers(
  runtime: Runtime,
): Promise<Readonly<Record<HttpFunctionName, HttpHandler>>> {
  const build = async <F extends HttpFunctionName>(
    name: F,
    handlers: (runtime: Runtime) => Promise<Handlers<F>>,
  ) => httpHandler(name, await handlers(runtime), runtime.config);
  const [detect, verify, uploads, meta, collections] = await Promise.all([
    build('detect', detectHandlers),
    build('verify', verifyHandlers),
    build('uploads', uploadsHandlers),
    build('meta', metaHandlers),
    build('collections', collectionsHandlers),
  ]);
  return { detect, verify, uploads, meta, collections };
}
