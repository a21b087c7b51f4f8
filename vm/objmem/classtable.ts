// The class table: pages of 1024 entries hanging off the first 4096 slots of the hidden-roots
// object. A class's index in the table is its identity hash; instances carry that index.

import {
  oop, CLASS_TABLE_PAGE_SIZE, CLASS_TABLE_MAJOR_SHIFT, CLASS_TABLE_ROOT_SLOTS, CI_FIRST_FREE_SEARCH,
  CI_LAST_PUN, FMT_INDEXABLE, CI_ARRAY_PUN, CLASS_INDEX_MASK,
} from "./constants";
import { fetchPointer, rawHashOf, setRawHashOf, storePointerUnchecked, rawClassIndexOf } from "./header";
import { storePointer } from "./barrier";
import { hiddenRootsObj, nilObj } from "./state";
import { allocateOldObject } from "./allocator";

let classTableIndex: u32 = CI_FIRST_FREE_SEARCH;

/** The class at index ci, or 0 when the entry is empty or out of range. */
export function classAtIndex(ci: u32): oop {
  if (ci > <u32>CLASS_INDEX_MASK || hiddenRootsObj == 0) return 0;
  const page = fetchPointer(hiddenRootsObj, <i64>(ci >> CLASS_TABLE_MAJOR_SHIFT));
  if (page == nilObj || page == 0) return 0;
  const c = fetchPointer(page, <i64>(ci & (CLASS_TABLE_PAGE_SIZE - 1)));
  return c == nilObj ? 0 : c;
}

/** Put cls at index ci (allocating the page); false when no memory for the page. */
export function classAtIndexPut(ci: u32, cls: oop): bool {
  const major = <i64>(ci >> CLASS_TABLE_MAJOR_SHIFT);
  let page = fetchPointer(hiddenRootsObj, major);
  if (page == nilObj) {
    page = allocateOldObject(CLASS_TABLE_PAGE_SIZE, FMT_INDEXABLE, CI_ARRAY_PUN);
    if (page == 0) return false;
    for (let i: i64 = 0; i < <i64>CLASS_TABLE_PAGE_SIZE; i++) storePointerUnchecked(page, i, nilObj);
    storePointer(hiddenRootsObj, major, page);
  }
  storePointer(page, <i64>(ci & (CLASS_TABLE_PAGE_SIZE - 1)), cls);
  return true;
}

/** Enter cls in the table, keeping its identity hash as index when that entry is free;
 *  answers the index (= its new hash), or 0 when the table is full or memory ran out. */
export function enterIntoClassTable(cls: oop): u32 {
  const h = rawHashOf(cls);
  if (h > CI_LAST_PUN && classAtIndex(h) == 0) {
    if (!classAtIndexPut(h, cls)) return 0;
    return h;
  }
  const limit: u32 = CLASS_TABLE_ROOT_SLOTS * CLASS_TABLE_PAGE_SIZE;
  for (let n: u32 = 0; n < limit; n++) {
    let ci = classTableIndex + n;
    if (ci >= limit) ci = ci - limit + CI_LAST_PUN + 1;
    if (ci <= CI_LAST_PUN) continue;
    if (classAtIndex(ci) == 0) {
      if (!classAtIndexPut(ci, cls)) return 0;
      setRawHashOf(cls, ci);
      classTableIndex = ci + 1;
      return ci;
    }
  }
  return 0;
}

/** The class index instances of cls carry: its hash, entering it in the table if needed. */
export function ensureBehaviorHash(cls: oop): u32 {
  const h = rawHashOf(cls);
  if (h != 0 && classAtIndex(h) == cls) return h;
  return enterIntoClassTable(cls);
}

/** Clear index ci (used when a class is found dead or for tests). */
export function expungeClassIndex(ci: u32): void {
  const page = fetchPointer(hiddenRootsObj, <i64>(ci >> CLASS_TABLE_MAJOR_SHIFT));
  if (page != nilObj) storePointerUnchecked(page, <i64>(ci & (CLASS_TABLE_PAGE_SIZE - 1)), nilObj);
}

export function resetClassTableIndex(): void { classTableIndex = CI_FIRST_FREE_SEARCH; }
export { rawClassIndexOf };
