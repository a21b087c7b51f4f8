// Setter methods (`x: a  x := a`, answering self) recognised by their bytecodes when the method
// cache is filled, so a send hitting one stores the argument without building a frame. Squeak
// has no primitive number for them; the cache carries a pseudo primitive SETTER_BASE + the
// instance variable's index instead, which is never a real primitive (those stop at 8191) and
// never reaches the primitive table: executeMethod and the bytecode loop answer it here, or
// activate the method when the store needs its full semantics (an immutable receiver, a
// Context, a receiver without the slot).

import { oop, formatOf, byteSizeOf, isImmediate } from "./oops";
import { hdrNumLiterals, hdrNumArgs, hdrHasPrimitive, hdrIsSista } from "./layout";
import { methodHeader, storePtrInline, contextClassIndex } from "./heap";

export const SETTER_BASE: i32 = 0x10000;
export const SETTER_LIMIT: i32 = SETTER_BASE + 256;

/** SETTER_BASE + n for a SistaV1 method without a primitive whose whole code is push temp 0,
 *  pop into instance variable n, return self; 0 otherwise. */
export function setterPrimitiveOf(method: oop): i32 {
  if (isImmediate(method) || formatOf(method) < 24) return 0;
  const h = methodHeader(method);
  if (!hdrIsSista(h) || hdrHasPrimitive(h) || hdrNumArgs(h) != 1) return 0;
  const start = (<usize>hdrNumLiterals(h) + 1) << 3;
  const size = byteSizeOf(method);
  const at = <usize>method + 8 + start;
  if (size < start + 3 || load<u8>(at) != 64) return 0;        // push temp 0
  const b = <i32>load<u8>(at + 1);
  if (b >= 200 && b < 208) return load<u8>(at + 2) == 88 ? SETTER_BASE + b - 200 : 0; // pop into iv 0-7; ^self
  if (b == 240 && size >= start + 4 && load<u8>(at + 3) == 88) return SETTER_BASE + <i32>load<u8>(at + 2); // long form
  return 0;
}

/** Stores the argument on top of the stack (at sp) into instance variable `index` of rcv when the
 *  plain store is the method's whole meaning; false when the method must run instead. */
// @ts-ignore: decorator
@inline export function setterStore(rcv: oop, index: usize, v: oop): bool {
  if ((rcv & 7) != 0) return false;
  // all from one header read (index < 256: below a slot count field of 255, which stands for
  // 255 slots or more, the slot exists); nested ifs, not a && chain, which natively becomes
  // booleans kept in frame slots
  const hd = load<u64>(<usize>rcv);
  if (((hd >> 24) & 0x1F) > 5) return false;
  if (<u64>index >= (hd >> 56)) return false;
  if ((hd & (1 << 23)) != 0) return false; // immutable
  if (<u32>(hd & 0x3FFFFF) == contextClassIndex()) return false;
  storePtrInline(rcv, index, v);
  return true;
}
