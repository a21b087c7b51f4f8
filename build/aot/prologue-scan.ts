// What a function's prologue can leave out, from one pass over its body:
// - the zero initialisation of declared locals that every path writes before it reads them (a
//   definite-assignment pass over the structured control flow). A recursive function like
//   bintrees' build() sets its temporaries in both arms of an `if`; a scan of the straight-line
//   start alone would zero them on every call;
// - the save of the caller's vmctx, read back only after calls that may switch instance
//   (call_indirect, calls to imports): the pass lists the functions called.
import { Reader } from './body-reader.ts';

interface Frame {
  loop: boolean;
  isIf: boolean;
  /** locals definitely written where the construct starts */
  entry: Set<number>;
  entryReachable: boolean;
  /** intersection of the written sets at the branches to its end (undefined: none) */
  branches?: Set<number>;
  /** an `if`'s then-arm at its fall-through into `else` (undefined: unreachable there) */
  thenOut?: Set<number>;
  hadElse: boolean;
}

function intersect(a: Set<number>, b: Set<number>): Set<number> {
  const out = new Set<number>();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

/** Opcodes with no effect on control flow or locals whose immediates `skip` knows. */
function plainOp(op: number): boolean {
  return op === 0x01 || (op >= 0x1a && op <= 0x1c) || (op >= 0x23 && op <= 0x26)
    || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) || op === 0xfc;
}

export interface BodyFacts {
  /** declared locals (indices ≥ nParams) that no reachable `local.get` can read before a
   *  `local.set`/`local.tee` of them on every path from the body's start */
  writtenFirst: Set<number>;
  /** function indices of the body's `call`s */
  calls: Set<number>;
  hasCallIndirect: boolean;
}

/** The facts of the body at `start`, or undefined for an opcode this pass does not model (the
 *  caller then zeroes every local and saves the vmctx). */
export function scanBody(
  bytes: Uint8Array, start: number, nParams: number, nLocals: number,
  skip: (op: number, r: Reader) => void, skipBlockType: (r: Reader) => void,
): BodyFacts | undefined {
  const r = new Reader(bytes, start), frames: Frame[] = [], readEarly = new Set<number>();
  const calls = new Set<number>();
  let hasCallIndirect = false;
  let cur = new Set<number>(), reachable = true;
  const branch = (depth: number) => {
    if (!reachable || depth >= frames.length) return; // unreachable, or a return
    const f = frames[frames.length - 1 - depth];
    if (f.loop) return; // a back edge: the head's state is its entry state, a subset
    f.branches = f.branches ? intersect(f.branches, cur) : new Set(cur);
  };
  try {
    while (r.pos < bytes.length) {
      const op = r.u8();
      if (op === 0x02 || op === 0x03 || op === 0x04) {
        skipBlockType(r);
        frames.push({ loop: op === 0x03, isIf: op === 0x04, entry: new Set(cur), entryReachable: reachable, hadElse: false });
      } else if (op === 0x05) {
        const f = frames[frames.length - 1];
        if (!f?.isIf) return undefined;
        f.thenOut = reachable ? cur : undefined;
        f.hadElse = true;
        cur = new Set(f.entry);
        reachable = f.entryReachable;
      } else if (op === 0x0b) {
        const f = frames.pop();
        if (!f) break; // the body's final end
        const outs: Set<number>[] = [];
        if (reachable) outs.push(cur);
        if (f.branches) outs.push(f.branches);
        if (f.isIf) {
          if (!f.hadElse) { if (f.entryReachable) outs.push(f.entry); } // the implicit empty else
          else if (f.thenOut) outs.push(f.thenOut);
        }
        reachable = outs.length > 0;
        cur = outs.length ? outs.reduce(intersect) : new Set(f.entry);
      } else if (op === 0x0c) { branch(r.u32()); reachable = false; }
      else if (op === 0x0d) branch(r.u32());
      else if (op === 0x0e) {
        const n = r.u32();
        for (let i = 0; i <= n; i++) branch(r.u32());
        reachable = false;
      } else if (op === 0x00 || op === 0x0f) reachable = false;
      else if (op === 0x20) {
        const i = r.u32();
        if (reachable && !cur.has(i)) readEarly.add(i);
      } else if (op === 0x21 || op === 0x22) cur.add(r.u32());
      else if (op === 0x10) calls.add(r.u32());
      else if (op === 0x11) { hasCallIndirect = true; skip(op, r); }
      else if (plainOp(op)) skip(op, r);
      else return undefined;
    }
  } catch {
    return undefined; // malformed: the main pass reports it
  }
  const writtenFirst = new Set<number>();
  for (let i = nParams; i < nLocals; i++) if (!readEarly.has(i)) writtenFirst.add(i);
  return { writtenFirst, calls, hasCallIndirect };
}
