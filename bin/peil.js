#!/usr/bin/env node
// The `peil` command: runs the TypeScript command line through tsx, so `npx peil …` and
// `npm run peil -- …` work from a fresh clone without a separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
