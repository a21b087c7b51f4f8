// The "name" custom section: module name (subsection 0) and function names (subsection 1).
// A broken name section never fails the module: whatever decoded before the damage is kept.
import type { WasmModule } from './module.ts';
import { Reader } from './reader.ts';

export function parseNameSection(bytes: Uint8Array, m: WasmModule): void {
  const r = new Reader(bytes);
  const names = new Map<number, string>();
  let moduleName: string | undefined;
  let lastId = -1;
  try {
    while (!r.atEnd) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.end - r.pos) break;
      if (id <= lastId) break; // subsections must be in order, each at most once
      lastId = id;
      const end = r.pos + size;
      if (id === 0) {
        r.end = end;
        moduleName = r.name();
      } else if (id === 1) {
        r.end = end;
        const n = r.u32();
        let prev = -1;
        for (let i = 0; i < n; i++) {
          const index = r.u32();
          const name = r.name();
          if (index <= prev) break; // indices must be increasing
          prev = index;
          names.set(index, name);
        }
      }
      r.pos = end;
      r.end = bytes.length;
    }
  } catch {
    // keep what was decoded
  }
  for (const [i, n] of names) m.funcNames.set(i, n);
  if (moduleName !== undefined) m.moduleName = moduleName;
}
