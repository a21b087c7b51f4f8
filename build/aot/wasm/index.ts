// The WebAssembly front end of the AOT compiler: decode, validate, walk instructions.
import { decodeModule } from './decode.ts';
import type { WasmModule } from './module.ts';
import { validateModule } from './validate-module.ts';

export * from './module.ts';
export * from './module-index.ts';
export { decodeModule } from './decode.ts';
export { validateModule } from './validate-module.ts';
export { OpReader } from './op-reader.ts';
export { Op, opName, T, PREFIX_FC_BASE } from './opcodes.ts';
export { detectFeatures, type FeatureReport } from './features.ts';

/** Decodes and validates a binary module; throws WasmError on any problem. */
export function loadModule(bytes: Uint8Array): WasmModule {
  const m = decodeModule(bytes);
  validateModule(m);
  return m;
}
