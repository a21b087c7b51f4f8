// Writing page tables the PV way: Xen owns them read-only, so entries change only through
// mmu_update at their machine address. The kernel never reads a table after boot: it keeps
// the machine frame of every table it knows in a small directory (level + VA prefix ->
// mfn), filled by one walk of the boot tables and by every table it creates.

import { mmu_update, update_va_mapping, DOMID_SELF } from "../xen/hypercall";
import { va_load_u64, va_store_u64, scratch_va } from "../xen/intrinsics";
import { PTE_TABLE, PTE_P, ptIndex, pteFor, pteMfn, MMU_NORMAL_PT_UPDATE, UVMF_INVLPG, PTE_KERNEL_RW } from "./pte";
import { mfnToPfn } from "./p2m";
import { frameAlloc } from "./frames";
import { VIRT_BASE } from "./layout";

// Open-addressing map: key = level << 52 | (va >> shift(level)), value = mfn. Level L's
// table covering `va` is keyed by the VA bits above what it maps.
const SLOTS: i32 = 8192;
const KEYS: usize = memory.data(SLOTS * 8, 8);
const VALS: usize = memory.data(SLOTS * 8, 8);
let used: i32 = 0;

const REQ: usize = memory.data(16 * 64, 8);
const SINGLE: usize = memory.data(16, 8);
const DONE: usize = memory.data(8, 8);

export const PT_OK: i32 = 0;
export const PT_NO_FRAME: i32 = -1;
export const PT_DIRECTORY_FULL: i32 = -2;
export const PT_HYPERCALL_FAILED: i32 = -3;
export const PT_NO_TOP: i32 = -4;

function keyOf(level: i32, va: i64): u64 {
  const span = <u64>(12 + 9 * level); // bits mapped by one table of this level
  return (<u64>level << 52) | ((<u64>va & 0x0000_ffff_ffff_ffff) >> span) | 0x8000_0000_0000_0000;
}

function slotOf(key: u64): i32 {
  let h = key * 0x9e37_79b9_7f4a_7c15;
  return <i32>((h >> 51) & <u64>(SLOTS - 1));
}

export function tableRemember(level: i32, va: i64, mfn: u64): bool {
  const key = keyOf(level, va);
  let s = slotOf(key);
  for (let n = 0; n < SLOTS; n++) {
    const k = load<u64>(KEYS + <usize>s * 8);
    if (k == 0 || k == key) {
      if (k == 0) {
        if (used >= SLOTS - SLOTS / 8) return false;
        used++;
      }
      store<u64>(KEYS + <usize>s * 8, key);
      store<u64>(VALS + <usize>s * 8, mfn);
      return true;
    }
    s = (s + 1) & (SLOTS - 1);
  }
  return false;
}

/** The mfn of the level-`level` table covering `va`, or 0 when unknown. */
export function tableLookup(level: i32, va: i64): u64 {
  const key = keyOf(level, va);
  let s = slotOf(key);
  for (let n = 0; n < SLOTS; n++) {
    const k = load<u64>(KEYS + <usize>s * 8);
    if (k == 0) return 0;
    if (k == key) return load<u64>(VALS + <usize>s * 8);
    s = (s + 1) & (SLOTS - 1);
  }
  return 0;
}

export function tablesKnown(): i32 { return used; }

/** One walk of the boot page tables, while the boot region is still mapped 1:1: records
 *  every table reachable from the L4 at `l4Mfn` for VAs in [from, to). */
export function recordBootTables(l4Mfn: u64, from: i64, to: i64): i32 {
  tableRemember(4, 0, l4Mfn);
  let count = 0;
  let va = from & ~((<i64>1 << 21) - 1);
  while (va < to) {
    let mfn = l4Mfn;
    for (let level = 4; level > 1; level--) {
      const tableVa = VIRT_BASE + <i64>(mfnToPfn(mfn) << 12);
      const e = va_load_u64(tableVa + <i64>ptIndex(va, level) * 8);
      if ((e & PTE_P) == 0) { mfn = 0; break; }
      mfn = pteMfn(e);
      if (!tableRemember(level - 1, va, mfn)) return PT_DIRECTORY_FULL;
      count++;
    }
    va += <i64>1 << 21;
  }
  return count;
}

function writeEntry(tableMfn: u64, index: i32, value: i64): i32 {
  store<u64>(SINGLE, (tableMfn << 12) + <u64>index * 8 | <u64>MMU_NORMAL_PT_UPDATE);
  store<i64>(SINGLE, value, 8);
  const rc = mmu_update(SINGLE, 1, DONE, DOMID_SELF);
  return rc < 0 ? PT_HYPERCALL_FAILED : PT_OK;
}

/** A zeroed frame for a new table: zeroed through the scratch window, then unmapped there
 *  (Xen refuses a table that is still mapped writable). */
function newTableFrame(): u64 {
  const mfn = frameAlloc();
  if (mfn == u64.MAX_VALUE) return 0;
  const s = scratch_va();
  if (update_va_mapping(s, pteFor(mfn, PTE_KERNEL_RW), UVMF_INVLPG) < 0) return 0;
  for (let off: i64 = 0; off < 4096; off += 8) va_store_u64(s + off, 0);
  if (update_va_mapping(s, 0, UVMF_INVLPG) < 0) return 0;
  return mfn;
}

/** Makes sure the L1 table covering `va` exists, creating L3/L2/L1 tables as needed: its
 *  mfn, or 0 on failure. */
export function ensureL1(va: i64): u64 {
  let known = tableLookup(1, va);
  if (known != 0) return known;
  let parent = tableLookup(4, 0);
  if (parent == 0) return 0;
  for (let level = 3; level >= 1; level--) {
    let mfn = tableLookup(level, va);
    if (mfn == 0) {
      mfn = newTableFrame();
      if (mfn == 0) return 0;
      if (writeEntry(parent, ptIndex(va, level + 1), pteFor(mfn, PTE_TABLE)) != PT_OK) return 0;
      if (!tableRemember(level, va, mfn)) return 0;
    }
    parent = mfn;
  }
  return parent;
}

/** Queues PTE writes and sends them to Xen in batches of 64. */
let queued: i32 = 0;

export function queuePte(va: i64, pte: i64): i32 {
  const l1 = ensureL1(va);
  if (l1 == 0) return PT_NO_FRAME;
  const r = REQ + <usize>queued * 16;
  store<u64>(r, (l1 << 12) + <u64>ptIndex(va, 1) * 8 | <u64>MMU_NORMAL_PT_UPDATE);
  store<i64>(r, pte, 8);
  queued++;
  if (queued == 64) return flushPtes();
  return PT_OK;
}

export function flushPtes(): i32 {
  if (queued == 0) return PT_OK;
  const n = queued;
  queued = 0;
  const rc = mmu_update(REQ, n, DONE, DOMID_SELF);
  return rc < 0 ? PT_HYPERCALL_FAILED : PT_OK;
}

/** Maps one page now (with a TLB invalidation of that VA). */
export function mapPage(va: i64, mfn: u64, flags: i64): i32 {
  const l1 = ensureL1(va);
  if (l1 == 0) return PT_NO_FRAME;
  return update_va_mapping(va, pteFor(mfn, flags), UVMF_INVLPG) < 0 ? PT_HYPERCALL_FAILED : PT_OK;
}
