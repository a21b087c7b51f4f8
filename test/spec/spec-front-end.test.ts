// The spec suite's binary modules against our decoder/validator alone: every module must load,
// every binary assert_invalid / assert_malformed must be rejected with a WasmError.
import { defineSpecTests } from './lib/suite.ts';

defineSpecTests('front-end', 0, 1);
