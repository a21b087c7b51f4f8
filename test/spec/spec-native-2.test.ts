// The WebAssembly spec suite on the native session, chunk 2 of 2 (see lib/suite.ts).
import { defineSpecTests } from './lib/suite.ts';

defineSpecTests('native', 1, 2);
