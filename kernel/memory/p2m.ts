// Pseudo-physical to machine frame numbers: the p2m list Xen built (start_info.mfn_list),
// read where it currently is (the boot region, later P2M_WINDOW); and the reverse through
// Xen's read-only M2P table.

import { va_load_u64 } from "../xen/intrinsics";
import { M2P_VA } from "./layout";

let p2mVa: i64 = 0;
let p2mEntries: u64 = 0;

export function p2mUse(va: i64, entries: u64): void {
  p2mVa = va;
  p2mEntries = entries;
}

export function p2mSize(): u64 { return p2mEntries; }
export function p2mAddress(): i64 { return p2mVa; }

/** The machine frame of `pfn`, or u64.MAX_VALUE when out of range. */
export function pfnToMfn(pfn: u64): u64 {
  if (pfn >= p2mEntries) return u64.MAX_VALUE;
  return <u64>va_load_u64(p2mVa + <i64>(pfn << 3));
}

export function mfnToPfn(mfn: u64): u64 {
  return <u64>va_load_u64(M2P_VA + <i64>(mfn << 3));
}
