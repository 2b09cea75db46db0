#!/usr/bin/env node
// Runs the TypeScript CLI in a checkout (after `npm ci`): tsx's ESM loader compiles it on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli/main.ts');
