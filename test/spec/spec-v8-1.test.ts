// The WebAssembly spec suite on the v8 session, chunk 1 of 2 (see lib/suite.ts).
import { defineSpecTests } from './lib/suite.ts';

defineSpecTests('v8', 0, 2);
