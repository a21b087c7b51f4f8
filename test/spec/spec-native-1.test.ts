// The WebAssembly spec suite on the native session, chunk 1 of 2 (see lib/suite.ts).
import { defineSpecTests } from './lib/suite.ts';

defineSpecTests('native', 0, 2);
