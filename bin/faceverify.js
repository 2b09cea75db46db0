#!/usr/bin/env node
// Runs the TypeScript CLI in a checkout (after `npm ci`): tsx's ESM loader compiles it on the fly.
// tsx is a devDependency on purpose (a checkout's install has them all): see the README's Set-up.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli/main.ts');
