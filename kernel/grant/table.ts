// Grant table v1 (xen/include/public/grant_table.h): GNTTABOP_setup_table gives the frames,
// which are mapped over the kernel's GRANT_TABLE_PAGES in linear memory; an entry is
// {u16 flags; u16 domid; u32 frame}. Refs 0-7 are reserved for the toolstack.

import { grant_table_op, DOMID_SELF } from "../xen/hypercall";
import { atomic_cmpxchg_u16, linear_base, wmb } from "../xen/intrinsics";
import { GRANT_TABLE_PAGES, GRANT_FRAMES } from "../memory/special-pages";
import { linearRemap } from "../memory/linear";

export const GNTTABOP_setup_table: i32 = 2;
export const GTF_permit_access: u16 = 1;
export const GTF_readonly: u16 = 4;
export const GTF_reading: u16 = 8;
export const GTF_writing: u16 = 16;

export const GNTTAB_RESERVED: u32 = 8;
export const GNTTAB_NR_ENTRIES: u32 = <u32>GRANT_FRAMES * 512;

const SETUP: usize = memory.data(24, 8);
const FRAMES: usize = memory.data(8 * 8, 8);
// Free list: next free ref for each ref (0 = end), head in freeHead.
const NEXT: usize = memory.data(2048 * 2, 4);

let table: usize = 0;
let freeHead: u32 = 0;
let freeCount: u32 = 0;

/** Initialises the allocator over a table at `entries` (already mapped). */
export function grantTableUse(entries: usize): void {
  table = entries;
  freeHead = 0;
  freeCount = 0;
  for (let ref = GNTTAB_NR_ENTRIES - 1; ref >= GNTTAB_RESERVED; ref--) {
    store<u16>(NEXT + <usize>ref * 2, <u16>freeHead);
    freeHead = ref;
    freeCount++;
  }
}

/** Asks Xen for the table frames and maps them over GRANT_TABLE_PAGES. 0 or a negative errno. */
export function grantTableInit(): i64 {
  store<u16>(SETUP, <u16>DOMID_SELF);
  store<u32>(SETUP, <u32>GRANT_FRAMES, 4);
  store<i16>(SETUP, 0, 8);
  store<u64>(SETUP, <u64>(linear_base() + <i64>FRAMES), 16);
  const rc = grant_table_op(GNTTABOP_setup_table, SETUP, 1);
  if (rc < 0) return rc;
  const status = load<i16>(SETUP, 8);
  if (status != 0) return <i64>status;
  for (let i: i32 = 0; i < GRANT_FRAMES; i++) {
    const r = linearRemap(GRANT_TABLE_PAGES + <usize>i * 4096, load<u64>(FRAMES + <usize>i * 8));
    if (r < 0) return r;
  }
  grantTableUse(GRANT_TABLE_PAGES);
  return 0;
}

export function grantsFree(): u32 { return freeCount; }

/** Grants `domid` access to machine frame `frame`: the ref, or -1 when the table is full. */
export function grantAccess(domid: u32, frame: u64, readonly: bool): i32 {
  if (freeHead == 0) return -1;
  const ref = freeHead;
  freeHead = <u32>load<u16>(NEXT + <usize>ref * 2);
  freeCount--;
  const e = table + <usize>ref * 8;
  store<u16>(e, <u16>domid, 2);
  store<u32>(e, <u32>frame, 4);
  wmb(); // frame and domid visible before the flags that validate them
  store<u16>(e, GTF_permit_access | (readonly ? GTF_readonly : 0));
  return <i32>ref;
}

/** Ends access: false while the backend still has the frame mapped (try again later). */
export function endAccess(ref: u32): bool {
  if (ref < GNTTAB_RESERVED || ref >= GNTTAB_NR_ENTRIES) return false;
  const e = table + <usize>ref * 8;
  let flags = <i32>load<u16>(e);
  for (;;) {
    if ((flags & <i32>(GTF_reading | GTF_writing)) != 0) return false;
    const old = atomic_cmpxchg_u16(e, flags, 0);
    if (old == flags) break;
    flags = old;
  }
  store<u16>(NEXT + <usize>ref * 2, <u16>freeHead);
  freeHead = ref;
  freeCount++;
  return true;
}

export function grantEntry(ref: u32): usize { return table + <usize>ref * 8; }
