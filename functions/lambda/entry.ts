/**
 * What every Lambda entry does at init, once: read the configuration from the environment the CDK set
 * (the edge: nothing below reads it), build the runtime, and give the function's handlers to dispatch.
 */
import { openAwsCollectionStore } from '../collections/aws/open.ts';
import { type Handlers, type HttpHandler, httpHandler } from '../http/dispatch.ts';
import type { HttpFunctionName } from '../shared/contract.ts';
import { createRuntime, type Runtime } from '../shared/runtime.ts';
import { runtimeConfig } from '../shared/runtime-config.ts';

export function lambdaRuntime(): Runtime {
  return createRuntime(runtimeConfig(process.env), { openCollections: openAwsCollectionStore });
}

export async function lambdaHttpHandler<F extends HttpFunctionName>(
  name: F,
  handlers: (runtime: Runtime) => Promise<Handlers<F>>,
): Promise<HttpHandler> {
  const runtime = lambdaRuntime();
  return httpHandler(name, await handlers(runtime), runtime.config);
}
