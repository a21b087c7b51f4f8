#!/usr/bin/env node
// The xenolith CLI: the toolchain is TypeScript, loaded through tsx so no build step is needed.
import { register } from 'tsx/esm/api';
register();
await import('../build/cli/main.ts');
