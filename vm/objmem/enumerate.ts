// Enumerating the objects of the heap (allObjects, allInstances, someObject/nextObject): new
// space is flushed first (survivors tenured) so the walk covers old space only, in address
// order. Free chunks, bridges, forwarders and the hidden objects (class index < 32: free-lists
// object, class-table pages, hidden roots) are skipped.

import { oop, CLASS_INDEX_MASK, CI_LAST_PUN } from "./constants";
import { numSegments, segmentStart, segmentObjectsEnd, segmentIndexOf, firstObjectOfSegment, nextObjectInSegment } from "./segments";
import { flushNewSpace } from "./scavenger";

// @ts-ignore: decorator
@inline function isVisible(o: oop): bool {
  return <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK) > CI_LAST_PUN;
}

function firstFrom(seg: i32, o: oop): oop {
  while (seg < numSegments()) {
    const end = segmentObjectsEnd(seg);
    while (o != 0) {
      if (isVisible(o)) return o;
      o = nextObjectInSegment(o, end);
    }
    seg++;
    if (seg < numSegments() && segmentStart(seg) < segmentObjectsEnd(seg)) o = firstObjectOfSegment(seg);
  }
  return 0;
}

/** The first object in the heap (nil); flushes new space (may move young objects). */
export function firstObject(): oop {
  flushNewSpace();
  if (numSegments() == 0) return 0;
  return firstFrom(0, firstObjectOfSegment(0));
}

/** The object after o in enumeration order, or 0 at the end. Allocation during a walk puts
 *  objects in new space, where the walk does not see them. */
export function objectAfter(o: oop): oop {
  const seg = segmentIndexOf(<usize>o);
  if (seg < 0) return 0;
  return firstFrom(seg, nextObjectInSegment(o, segmentObjectsEnd(seg)));
}
