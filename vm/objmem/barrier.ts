// The generational write barrier and the remembered set: an old object that comes to refer to
// a young one gets its isRemembered bit and an entry in the remembered set, whose objects the
// scavenger treats as roots. If the set cannot grow, the scavenger scans all of old space.

import { oop } from "./constants";
import { isRemembered, setRemembered, storePointerUnchecked } from "./header";
import { isYoung, rememberedSet, setNeedGC } from "./state";
import { stackPush } from "./stacks";

export let rememberedSetOverflowed: bool = false;
export function setRememberedSetOverflowed(b: bool): void { rememberedSetOverflowed = b; }

export function remember(o: oop): void {
  setRemembered(o, true);
  if (!stackPush(rememberedSet, o)) { rememberedSetOverflowed = true; setNeedGC(true); }
}

/** Store v into slot i of o, remembering o when an old object gets a young reference. */
export function storePointer(o: oop, i: i64, v: oop): void {
  storePointerUnchecked(o, i, v);
  if ((v & 7) == 0 && isYoung(v) && !isYoung(o) && !isRemembered(o)) remember(o);
}

/** After a bulk copy of oops into an old object (e.g. primitive 105), remember it if needed. */
export function noteStoresInto(o: oop): void {
  if (!isYoung(o) && !isRemembered(o)) remember(o);
}
