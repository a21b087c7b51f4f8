// Heap enumeration primitives: someInstance/nextInstance (77/78), someObject/nextObject
// (138/139), allInstances (177) and allObjects (178). The walk covers old space after new space
// has been flushed (vm/objmem/enumerate.ts), so the stack is published as roots first: young
// objects move. Objects the walk can reach but nothing else does (garbage not yet collected)
// are answered too, as on Squeak; callers that want only live objects collect first.

import { oop, isImmediate, isSmallInt, formatOf, numSlotsOf, fetchSlot, classIndexOfObj } from "../interp/oops";
import { nilOop, splObj, instantiateClass } from "../interp/heap";
import { CLASS_FORMAT, ERR_INAPPROPRIATE } from "../interp/layout";
import { rcvr, ret, fail, failReceiver, failMemory, intOop } from "./support";
import {
  firstObject, objectAfter, classAtIndex as omClassAtIndex, CI_LAST_PUN, SO_CLASS_ARRAY, rawHashOf, isYoung, flushNewSpace,
} from "../objmem/index";
import { publishStackRoots } from "../interp/scheduler";

/** The class index instances of cls carry, or 0 when cls is not in the class table (then it
 *  has no instances). Never enters cls in the table, so asking an arbitrary object for its
 *  instances does not make it a class. */
function instanceIndexOf(cls: oop): u32 {
  const h = rawHashOf(cls);
  return h > CI_LAST_PUN && omClassAtIndex(h) == cls ? h : 0;
}

/** A receiver that can be a Behavior: pointers with superclass, methodDict and an integer format. */
function looksLikeBehavior(cls: oop): bool {
  return !isImmediate(cls) && formatOf(cls) <= 5 && numSlotsOf(cls) > CLASS_FORMAT
    && isSmallInt(fetchSlot(cls, CLASS_FORMAT));
}

/** 138 someObject */
export function primSomeObject(): bool {
  publishStackRoots();
  const o = firstObject();
  return o == 0 ? fail(ERR_INAPPROPRIATE) : ret(o);
}

/** The receiver, tenured first when it is young: the walk covers old space only. */
function walkStart(): oop {
  const o = rcvr();
  if (isImmediate(o) || !isYoung(o)) return o;
  publishStackRoots();
  flushNewSpace();
  return rcvr();
}

/** 139 nextObject: the object after the receiver, 0 at the end (Squeak's convention). */
export function primNextObject(): bool {
  const o = objectAfter(walkStart());
  return ret(o == 0 ? intOop(0) : o);
}

/** 77 someInstance: the first instance of the receiver class, nil when there is none. */
export function primSomeInstance(): bool {
  const cls = rcvr();
  if (!looksLikeBehavior(cls)) return failReceiver();
  const ci = instanceIndexOf(cls);
  if (ci == 0) return ret(nilOop());
  publishStackRoots();
  for (let o = firstObject(); o != 0; o = objectAfter(o)) if (classIndexOfObj(o) == ci) return ret(o);
  return ret(nilOop());
}

/** 78 nextInstance: the next instance of the receiver's class after it, nil at the end. */
export function primNextInstance(): bool {
  const start = walkStart();
  if (isImmediate(start)) return failReceiver();
  const ci = classIndexOfObj(start);
  for (let o = objectAfter(start); o != 0; o = objectAfter(o)) if (classIndexOfObj(o) == ci) return ret(o);
  return ret(nilOop());
}

/** 177 allInstances: an Array of every instance of the receiver class. */
export function primAllInstances(): bool {
  const cls = rcvr();
  if (!looksLikeBehavior(cls)) return failReceiver();
  return answerObjects(instanceIndexOf(cls), false);
}

/** 178 allObjects: an Array of every object in the heap. */
export function primAllObjects(): bool { return answerObjects(0, true); }

/** Counts the matching objects, allocates the Array, then fills it in a second walk. The
 *  Array itself is left out. Allocation never moves objects, and the walk sees old space only,
 *  so the second walk meets exactly the objects the first one counted (plus, at most, the
 *  Array when it was big enough to go straight to old space). */
function answerObjects(ci: u32, all: bool): bool {
  const arrayClass = splObj(SO_CLASS_ARRAY);
  if (!all && ci == 0) {
    const empty = instantiateClass(arrayClass, 0);
    return empty == 0 ? failMemory() : ret(empty);
  }
  publishStackRoots();
  let n: usize = 0;
  const first = firstObject(); // flushes new space: everything after this is old
  for (let o = first; o != 0; o = objectAfter(o)) if (all || classIndexOfObj(o) == ci) n++;
  const result = instantiateClass(arrayClass, n);
  if (result == 0) return failMemory();
  let i: usize = 0;
  for (let o = first; o != 0 && i < n; o = objectAfter(o)) {
    if (o == result || !(all || classIndexOfObj(o) == ci)) continue;
    // every element is old, so no remembered-set entry is needed whatever the Array's age
    store<u64>(<usize>result + 8 + (i << 3), o);
    i++;
  }
  for (; i < n; i++) store<u64>(<usize>result + 8 + (i << 3), nilOop());
  return ret(result);
}
