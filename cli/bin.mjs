#!/usr/bin/env node
// package.json "bin" target: run the TypeScript CLI through tsx's ESM loader so `npx bandscope`
// works without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
