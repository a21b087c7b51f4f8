// Jump threading for Assembler.relax: a jmp/jcc whose target is itself a `jmp X` goes to X
// directly (nested wasm blocks and ifs that end together leave `jmp A; A: jmp B; B: ...`), and a
// jmp that nothing can reach any more (it follows an unconditional jump and nothing lands on it)
// takes no bytes.
import type { Fixup, Item, JumpItem, Label } from './encoder.ts';

/** Bound on a chain's length (a wasm `loop br 0` is a jmp to itself; longer cycles exist too). */
const MAX_CHAIN = 16;

/** Where a jump to a label ends up: through redirects (`final`) and then through the
 *  unconditional jumps of the range [start, ...) at the label's position. `beforeAlign` labels
 *  land on padding, not directly on a jump: left alone. */
export function jumpThreader(items: Item[], start: number, final: (l: Label) => Label, beforeAlign: (l: Label) => boolean): (l: Label) => Label {
  const jmpAt = new Map<number, JumpItem>(); // old start of an unconditional jmp -> it
  for (const it of items) if (it.kind === 'jump' && it.cond < 0 && it.end > it.start) jmpAt.set(it.start, it);
  return (l) => {
    let cur = final(l);
    for (let n = 0; n < MAX_CHAIN && cur.pos >= start && !beforeAlign(cur); n++) {
      const j = jmpAt.get(cur.pos);
      if (!j) break;
      const next = final(j.label);
      if (next.pos < 0 || next === cur) break;
      cur = next;
    }
    return cur;
  };
}

/** Marks the jmps that follow an unconditional jump (or another dead jmp) with nothing landing
 *  on them: no threaded jump, no other fixup (calls, RIP-relative operands, jump tables) and no
 *  position in `keep` (symbols, trap sites). Returns how many. */
export function markDeadJumps(items: Item[], targets: (Label | undefined)[], fixups: readonly Fixup[], finalPos: (l: Label) => number, keep: Iterable<number>): number {
  const landed = new Set<number>(keep);
  const jumpFixups = new Set<Fixup>();
  items.forEach((it, i) => {
    if (it.kind !== 'jump') return;
    if (it.fixup) jumpFixups.add(it.fixup);
    const t = targets[i];
    if (t) landed.add(t.pos);
  });
  for (const f of fixups) {
    if (jumpFixups.has(f)) continue;
    landed.add(finalPos(f.label));
    landed.add(f.label.pos);
    if (f.base) landed.add(f.base.pos);
  }
  let dead = 0, prev: JumpItem | undefined;
  for (const it of items) {
    if (it.kind !== 'jump') {
      if (it.end > it.start || landed.has(it.start)) prev = undefined; // padding: keep it simple
      continue;
    }
    if (prev && prev.end === it.start && it.cond < 0 && !it.pinned && !landed.has(it.start)) {
      it.dead = true;
      dead++;
    }
    prev = it.cond < 0 ? it : undefined;
  }
  return dead;
}
