// Straight-line local renaming. Binaryen reuses one local for unrelated values (fannkuch's flip
// loop: `local.tee $9` = address of perm[i], a read of it left on the stack for the store, then
// `local.tee $9` = address of perm[j]). The second write must first copy the pending read into
// another register (lower.ts materializes lazy local reads before a write): one extra `mov` per
// iteration. Here a write of local x, read and then overwritten by the next write of x while
// such a read is still on the value stack, with no control instruction (or call) in between,
// moves to a fresh local of the same type: its whole lifetime lies between those two writes, so
// nothing else can observe it. Only then: renaming every short reuse splits the pinning weights
// of sha256's and nbody's loops (+3.4% and +1.9% instructions).
// The fresh index is encoded in as many LEB128 bytes as the old one, so body offsets (trap and
// error positions) do not move.
import { Reader } from './body-reader.ts';
import type { ValType } from './wasm/module.ts';

/** Net value-stack effect of the straight-line opcodes this pass follows (locals aside), as
 *  [pops, pushes]; undefined for control, calls and anything else, which end the straight line. */
function stackEffect(op: number): [number, number] | undefined {
  if (op === 0x01) return [0, 0]; // nop
  if (op === 0x1a) return [1, 0]; // drop
  if (op === 0x1b || op === 0x1c) return [3, 1]; // select
  if (op === 0x23) return [0, 1]; // global.get
  if (op === 0x24) return [1, 0]; // global.set
  if (op >= 0x28 && op <= 0x35) return [1, 1]; // loads
  if (op >= 0x36 && op <= 0x3e) return [2, 0]; // stores
  if (op === 0x3f) return [0, 1]; // memory.size
  if (op === 0x40) return [1, 1]; // memory.grow
  if (op >= 0x41 && op <= 0x44) return [0, 1]; // constants
  if (op === 0x45 || op === 0x50) return [1, 1]; // eqz
  if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x66)) return [2, 1]; // comparisons
  if ((op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) || (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f)) return [1, 1];
  if ((op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a) || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6)) return [2, 1];
  if (op >= 0xa7 && op <= 0xc4) return [1, 1]; // conversions, sign extensions
  return undefined;
}

/** Opcodes whose immediates `skip` and `skipBlockType` (lower.ts) know; any other opcode leaves
 *  the body as it is. */
const KNOWN = (op: number) =>
  op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) || (op >= 0x20 && op <= 0x26) ||
  (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) || op === 0xfc;

const lebLength = (n: number) => {
  let len = 1;
  while (n >= 0x80) (n = Math.floor(n / 0x80), len++);
  return len;
};

interface Site { at: number; len: number }
interface Web { def: Site; reads: Site[] }

/**
 * Returns the body with such webs renamed and the types of all locals (params first) including
 * the fresh ones, or undefined when nothing changes (or the body has opcodes this pass does not
 * decode).
 */
export function splitStraightLineWebs(
  code: Uint8Array,
  localTypes: readonly ValType[],
  skip: (op: number, r: Reader) => void,
  skipBlockType: (r: Reader) => void,
): { code: Uint8Array; localTypes: ValType[] } | undefined {
  const r = new Reader(code);
  const open = new Map<number, Web>(); // by local: its last write in this straight line
  // the value stack since the straight line began: for each value, the web it reads, if any
  let stack: (Web | undefined)[] = [];
  const pop = (n: number) => void stack.splice(Math.max(0, stack.length - n));
  const renamed: { web: Web; to: number }[] = [];
  const types = [...localTypes];
  try {
    while (r.pos < code.length) {
      const op = r.u8();
      if (!KNOWN(op)) return undefined;
      if (op === 0x20 || op === 0x21 || op === 0x22) {
        const at = r.pos, i = r.u32(), site = { at, len: r.pos - at };
        if (i >= localTypes.length) return undefined;
        if (op === 0x20) {
          const web = open.get(i);
          web?.reads.push(site);
          stack.push(web);
          continue;
        }
        const web = open.get(i);
        // a read of the old value still waiting below the new value
        if (web && stack.slice(0, -1).includes(web)) {
          const to = types.length;
          if ([web.def, ...web.reads].every((s) => s.len === lebLength(to))) {
            types.push(localTypes[i]);
            renamed.push({ web, to });
          }
        }
        pop(1);
        if (op === 0x22) stack.push(undefined);
        open.set(i, { def: site, reads: [] });
        continue;
      }
      const effect = stackEffect(op);
      if (effect) {
        pop(effect[0]);
        for (let k = 0; k < effect[1]; k++) stack.push(undefined);
      } else {
        open.clear();
        stack = [];
      }
      if (op === 0x02 || op === 0x03 || op === 0x04) skipBlockType(r);
      else skip(op, r);
    }
  } catch {
    return undefined; // malformed: the main pass reports it
  }
  if (r.pos !== code.length || !renamed.length) return undefined;
  const out = code.slice();
  for (const { web, to } of renamed) {
    for (const s of [web.def, ...web.reads]) {
      let n = to;
      for (let k = 0; k < s.len; k++, n = Math.floor(n / 0x80)) out[s.at + k] = (n & 0x7f) | (k < s.len - 1 ? 0x80 : 0);
    }
  }
  return { code: out, localTypes: types };
}
