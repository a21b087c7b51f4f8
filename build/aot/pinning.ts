// Which locals live in registers ("pinned"), and where. A pre-pass over the body weighs each
// local's uses (8x per loop nesting level). The whole function gets one assignment from all its
// uses; each loop gets its own from the uses inside it (nested loops too: an inner loop's hot
// locals are not crowded out by the rest of the outer loop), keeping a local in the same
// register as around the loop where it can, so that entering and leaving the loop moves few
// values between registers and frame homes (lower.ts emits those moves).
import { Reg } from './x64/encoder.ts';
import { isFloat } from './regalloc.ts';
import type { ValType } from './wasm/module.ts';
import type { Reader } from './body-reader.ts';

/** Registers that may hold pinned locals, in order of preference (all from the value-stack
 *  pools of abi.ts; rsi, rdi, rcx, rdx and xmm0–xmm3 always stay with the value stack: bulk
 *  memory operations and division/shifts use the first four as fixed operands, float expressions
 *  rarely need more than four registers, nbody's loops need ten float locals). */
export const PINNED_GPRS: Reg[] = [Reg.rbx, Reg.r12, Reg.r13, Reg.r11, Reg.r10, Reg.r9, Reg.r8];
export const PINNED_XMMS: number[] = [13, 12, 11, 10, 9, 8, 7, 6, 5, 4];
/** A local is pinned only when its weight reaches PIN_WEIGHT; the GPRs from index PIN_LAST_FROM
 *  on (the XMMs from PIN_LAST_FROM_XMM on) go only to locals of weight PIN_WEIGHT_LAST (used in a
 *  loop), since each one taken leaves the value stack fewer registers. Six GPRs leave the value
 *  stack five (rsi rdi r8 rcx rdx), enough for sha256's round expressions; a seventh made them
 *  spill (sha256 +1.5% instructions, no other workload changed). */
const PIN_WEIGHT = 6;
const PIN_WEIGHT_LAST = 64;
const PIN_LAST_FROM = 6;
const PIN_LAST_FROM_XMM = 8;

/** Extra weight (in uses) of a read that follows a write of the same local in the same loop
 *  iteration: in a frame home it would wait for the store to forward (about five cycles) on the
 *  dependency chain, where a read of a value written an iteration earlier does not wait. Enough
 *  to rank sha256's two-use t2 (set, then read on the chain into `a`) above its three-use loop
 *  counter and f/g, whose reads come before their writes. */
const READ_AFTER_WRITE_BONUS = 2.5;
/** The weights of weighLocalUses without that bonus, by the arrays it returns: the bonus decides
 *  which locals get registers, these which register each gets (heaviest first, as before the
 *  bonus). Changing only the placement moved fannkuch's flip loop by 6% in time. */
const PLAIN = new WeakMap<Float64Array, Float64Array>();

export interface LocalUses {
  /** Weight of each local over the whole body. */
  weight: Float64Array;
  /** Per loop, by the body offset of its `loop` opcode: weights of uses inside it. */
  loops: Map<number, Float64Array>;
  /** Per loop, by the same offsets: the locals written inside it. */
  writes: Map<number, Set<number>>;
}

/** Opcodes that may make up the head of an interpreter loop: block, locals, globals, constants,
 *  loads and numeric instructions. */
const HEAD_OPS = (op: number) =>
  op === 0x02 || (op >= 0x20 && op <= 0x24) || (op >= 0x28 && op <= 0x35) || (op >= 0x41 && op <= 0xc4);

/** A loop head ending in a br_table (an interpreter's dispatch) runs once per iteration, as often
 *  as all the handlers it selects together, and lower.ts replicates it at every handler's back
 *  edge: its uses weigh once more per table entry (the loop's weight per use each). Per entry,
 *  not per distinct target: a switch with case ranges (the VM's 256 bytecodes onto ~50
 *  handlers) runs its head as often as one with a handler per entry. */
function dispatchHead(r: Reader, head: number[], open: Float64Array[], weight: Float64Array): void {
  const at = r.pos;
  const n = r.u32(); // entries besides the default
  r.pos = at;
  const w = 8 ** Math.min(open.length, 6) * n;
  for (const i of head) {
    weight[i] += w;
    for (const inLoop of open) inLoop[i] += w;
  }
}

/** Weighs local uses; `skip` skips an opcode's immediates, `skipBlockType` a block type. Returns
 *  undefined for a malformed body (the main pass reports it). */
export function weighLocalUses(
  r: Reader,
  nLocals: number,
  skip: (op: number, r: Reader) => void,
  skipBlockType: (r: Reader) => void,
): LocalUses | undefined {
  const weight = new Float64Array(nLocals);
  const plain = new Float64Array(nLocals);
  PLAIN.set(weight, plain);
  const openPlain: Float64Array[] = [];
  const loops = new Map<number, Float64Array>();
  const blocks: { loop?: Float64Array }[] = [];
  const writes = new Map<number, Set<number>>();
  const open: Float64Array[] = []; // weights of the loops around the current position
  const openWrites: Set<number>[] = [];
  // the locals read or written so far in the head of the innermost loop (straight-line code and
  // `block`s from its start), while that head may still end in a dispatching br_table
  let head: number[] | undefined;
  // per local, the straight-line stretch (numbered anew at every control instruction) it was
  // last written in: a read later in the same stretch inside a loop is a def-use inside one
  // iteration, with nothing in between to hide the store's latency (sha256's t2)
  const setIn = new Int32Array(nLocals).fill(-1);
  let stretch = 0;
  try {
    while (r.pos < r.bytes.length) {
      const at = r.pos;
      const op = r.u8();
      if (op <= 0x11) stretch++; // control: unreachable ... call_indirect
      if (head && !HEAD_OPS(op)) {
        if (op === 0x0e) (dispatchHead(r, head, open, weight), dispatchHead(r, head, openPlain, plain));
        head = undefined;
      }
      if (op === 0x02 || op === 0x03 || op === 0x04) {
        skipBlockType(r);
        if (op === 0x03) {
          const inLoop = new Float64Array(nLocals);
          const inLoopPlain = new Float64Array(nLocals);
          PLAIN.set(inLoop, inLoopPlain);
          openPlain.push(inLoopPlain);
          loops.set(at, inLoop);
          open.push(inLoop);
          const w = new Set<number>();
          writes.set(at, w);
          openWrites.push(w);
          head = [];
          blocks.push({ loop: inLoop });
        } else blocks.push({});
      } else if (op === 0x0b) {
        if (blocks.pop()?.loop) (open.pop(), openWrites.pop(), openPlain.pop());
      } else if (op === 0x20 || op === 0x21 || op === 0x22) {
        const i = r.u32();
        if (i < nLocals) {
          const w0 = 8 ** Math.min(open.length, 6);
          const w = op === 0x20 && open.length && setIn[i] === stretch ? w0 * (1 + READ_AFTER_WRITE_BONUS) : w0;
          weight[i] += w;
          for (const inLoop of open) inLoop[i] += w;
          plain[i] += w0;
          for (const inLoop of openPlain) inLoop[i] += w0;
          if (op !== 0x20) {
            for (const written of openWrites) written.add(i);
            setIn[i] = stretch;
          }
          head?.push(i);
        }
      } else skip(op, r);
    }
  } catch {
    return undefined;
  }
  return { weight, loops, writes };
}

/**
 * Assigns registers to the heaviest locals. `unavailable` registers (of either class, by class)
 * are not used; a local that `prefer` maps to a register keeps that register when chosen.
 */
export function assignPinned(
  weight: Float64Array,
  types: ValType[],
  unavailable: { gpr: Set<number>; xmm: Set<number> } = { gpr: new Set(), xmm: new Set() },
  prefer: Map<number, number> = new Map(),
  lastWeight = PIN_WEIGHT_LAST,
): Map<number, number> {
  const rank: number[] = [];
  for (let i = 0; i < weight.length; i++) if (weight[i] >= PIN_WEIGHT) rank.push(i);
  if (!rank.length && !prefer.size) return new Map();
  rank.sort((x, y) => weight[y] - weight[x]);
  const gprs = PINNED_GPRS.filter((r) => !unavailable.gpr.has(r));
  const xmms = PINNED_XMMS.filter((r) => !unavailable.xmm.has(r));
  // choose which locals (capacity per class), then place them
  const chosen: number[] = [];
  let nG = 0, nX = 0;
  for (const i of rank) {
    if (isFloat(types[i])) {
      if (nX < xmms.length && (nX < PIN_LAST_FROM_XMM || weight[i] >= lastWeight)) (chosen.push(i), nX++);
    } else if (nG < gprs.length && (nG < PIN_LAST_FROM || weight[i] >= lastWeight)) (chosen.push(i), nG++);
  }
  const order = PLAIN.get(weight) ?? weight;
  chosen.sort((x, y) => order[y] - order[x] || x - y);
  const out = new Map<number, number>();
  const freeG = new Set(gprs), freeX = new Set(xmms);
  for (const i of chosen) {
    const p = prefer.get(i);
    const free = isFloat(types[i]) ? freeX : freeG;
    if (p !== undefined && free.has(p)) {
      out.set(i, p);
      free.delete(p);
    }
  }
  for (const i of chosen) {
    if (out.has(i)) continue;
    const free = isFloat(types[i]) ? freeX : freeG;
    const first = free.values().next();
    if (first.done) continue;
    out.set(i, first.value);
    free.delete(first.value);
  }
  // preferred locals whose register nobody took stay there: nothing to move at the boundaries
  for (const [i, p] of prefer) {
    const free = isFloat(types[i]) ? freeX : freeG;
    if (!out.has(i) && free.has(p)) {
      out.set(i, p);
      free.delete(p);
    }
  }
  return out;
}
