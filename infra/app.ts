/**
 * The CDK app (`cdk.json` runs this file): one FaceVerify-<stage> stack, checked by cdk-nag's
 * AwsSolutions pack on every synth.
 *
 * The function image and the page are built outside CDK (`npm run build:lambda`, the web build). When
 * either is missing, synth still works, with a warning, from a placeholder: the image placeholder fails
 * `cdk deploy` at its Docker build, before any change; the page placeholder says the page is not built.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { FaceVerifyStack } from './stack.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BUILT = {
  /** build-lambda.ts writes the Dockerfile last, so its presence means a finished build. */
  image: { directory: join(REPO_ROOT, 'dist', 'lambda'), marker: 'Dockerfile' },
  site: { directory: join(REPO_ROOT, 'web', 'dist'), marker: 'index.html' },
} as const;

export const PLACEHOLDERS = {
  image: fileURLToPath(new URL('placeholders/image', import.meta.url)),
  site: fileURLToPath(new URL('placeholders/site', import.meta.url)),
} as const;

export interface CreateAppOptions {
  /** Context as the CDK CLI would pass it (cdk.json, then `-c`). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /** Overrides the built-or-placeholder choice (and its warning), for tests. */
  readonly imageDirectory?: string;
  readonly siteDirectory?: string;
}

export function createApp(options: CreateAppOptions = {}): { app: App; stack: FaceVerifyStack } {
  const app = new App({ context: options.context, outdir: options.outdir });
  const config = readConfig(app.node);
  const image = options.imageDirectory ?? builtOrPlaceholder('image');
  const site = options.siteDirectory ?? builtOrPlaceholder('site');
  const stack = new FaceVerifyStack(app, `FaceVerify-${config.stage}`, {
    description: `faceverify (${config.stage}): face detection and verification API, drop folder, web page`,
    config,
    imageDirectory: image,
    siteDirectory: site,
  });
  if (!options.imageDirectory && image === PLACEHOLDERS.image) {
    Annotations.of(stack).addWarningV2(
      'faceverify:image-not-built',
      'dist/lambda is not built: synth uses a placeholder image that fails `cdk deploy`. Run `npm run build:lambda` first.',
    );
  }
  if (!options.siteDirectory && site === PLACEHOLDERS.site) {
    Annotations.of(stack).addWarningV2(
      'faceverify:site-not-built',
      'web/dist is not built: the site would serve a placeholder page. Build the web page first.',
    );
  }
  if (config.auth === 'none') {
    Annotations.of(stack).addWarningV2(
      'faceverify:auth-none',
      'auth=none: anyone can call the image routes.',
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

function builtOrPlaceholder(kind: keyof typeof BUILT): string {
  const { directory, marker } = BUILT[kind];
  return existsSync(join(directory, marker)) ? directory : PLACEHOLDERS[kind];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createApp().app.synth();
}
