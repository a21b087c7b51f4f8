// Unrolling of small innermost rotated loops (lower.ts: `loop (if (head) (then body; br 1))`).
// The then-arm is lowered k times: after every copy but the last the head is evaluated again and
// a failing test leaves through the `if`'s else label; the last copy's back edge is the usual
// rotated one (head, branch to the first copy). Every copy tests the condition, so no trip count
// is needed and traps keep their own offsets. What it buys is fewer taken branches per iteration
// (TurboFan unrolls such loops 4-5x); the instruction count stays the same.
import { Reader } from './body-reader.ts';

export const UNROLL_LOOPS = true;

export interface UnrollPlan {
  /** Body offset of the then-arm's first instruction. */
  bodyStart: number;
  /** Body offset of the then-arm's final `br 1` (the back edge that gets the copies). */
  brPos: number;
  /** Copies still to be emitted before the final back edge (k - 1 at the start). */
  left: number;
}

/** Copies by the bytes of head plus then-arm: small bodies get more (the code grows k times).
 *  Tiny ones (sieve's marking and counting loops, 1-2 instructions of work besides the test)
 *  get eight: sieve -6% in time against four, nothing else changed. */
export function unrollFactor(bytes: number): number {
  return bytes <= 28 ? 8 : bytes <= 40 ? 4 : bytes <= 64 ? 3 : bytes <= 96 ? 2 : 1;
}

/** Straight-line operators allowed in an unrolled body besides control: locals, globals,
 *  constants, loads, stores, drop/select and numeric operators. Calls, nested loops, br_table,
 *  memory.size/grow and bulk memory (0xfc) are not: such a loop is not small and hot in the way
 *  unrolling helps, and its code would grow k times. */
function plainOp(op: number, p: Reader): boolean {
  if (op === 0x20 || op === 0x21 || op === 0x22 || op === 0x23 || op === 0x24) p.u32();
  else if (op === 0x41) p.s32();
  else if (op === 0x42) p.s64();
  else if (op === 0x43) p.pos += 4;
  else if (op === 0x44) p.pos += 8;
  else if (op >= 0x28 && op <= 0x3e) (p.u32(), p.u32());
  else if (op === 0x1a || op === 0x1b || op === 0x01 || op === 0x00) { /* drop, select, nop, unreachable */ }
  else if (op < 0x45 || op > 0xc4) return false;
  return true;
}

/** The plan for a rotated loop whose then-arm starts at bodyStart (just after the `if`'s block
 *  type) and whose head has headBytes bytes, or undefined when the arm is not a small body of
 *  plain operators and blocks/ifs/branches (no nested loop, call, br_table) ending `br 1; end`. */
export function planUnroll(code: Uint8Array, bodyStart: number, headBytes: number): UnrollPlan | undefined {
  if (!UNROLL_LOOPS) return undefined;
  const p = new Reader(code, bodyStart);
  let nest = 0, lastBr = -1;
  try {
    while (p.pos - bodyStart <= 96) {
      const at = p.pos;
      const op = p.u8();
      if (op === 0x02 || op === 0x04) {
        const b = code[p.pos];
        if (b === 0x40 || (b >= 0x6f && b <= 0x7f)) p.pos++;
        else return undefined; // typed blocks with parameters: keep it simple
        nest++;
      } else if (op === 0x05) {
        if (nest === 0) return undefined;
      } else if (op === 0x0b) {
        if (nest === 0) {
          if (lastBr < 0) return undefined;
          const k = unrollFactor(headBytes + (at - bodyStart));
          return k > 1 ? { bodyStart, brPos: lastBr, left: k - 1 } : undefined;
        }
        nest--;
      } else if (op === 0x0c || op === 0x0d) {
        const depth = p.u32();
        if (op === 0x0c && nest === 0 && depth === 1 && code[p.pos] === 0x0b) lastBr = at;
      } else if (op === 0x0f) { /* return */ }
      else if (!plainOp(op, p)) return undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
