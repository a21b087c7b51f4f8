// Primitive 79, CompiledMethod class>>newMethod: numberOfBytes header: headerWord. The in-image
// compiler needs it: a CompiledMethod mixes a pointer part (header + literals, sized by the
// header's literal count) with a byte part, which basicNew: cannot shape.

import { oop, isSmallInt, intValue, isImmediate } from "../interp/oops";
import { nilOop } from "../interp/heap";
import { hdrNumLiterals } from "../interp/layout";
import { rcvr, arg, ret, failReceiver, failArgument, failMemory } from "./support";
import {
  allocateSlots, ensureBehaviorHash, instSpecOfClass, FMT_COMPILED_METHOD, MAX_OBJECT_BYTES,
} from "../objmem/index";

/** 79: a method whose header slot is `header`, literals nil and `numBytes` zero bytes after them. */
export function primNewMethod(): bool {
  const cls = rcvr();
  if (isImmediate(cls) || instSpecOfClass(cls) < <i32>FMT_COMPILED_METHOD) return failReceiver();
  const nb = arg(0); const hd = arg(1);
  if (!isSmallInt(nb) || intValue(nb) < 0 || !isSmallInt(hd)) return failArgument();
  const numLits = <i64>hdrNumLiterals(intValue(hd));
  const total = (numLits + 1) * 8 + intValue(nb);
  if (total > <i64>MAX_OBJECT_BYTES) return failArgument();
  const ci = ensureBehaviorHash(cls);
  if (ci == 0) return failReceiver();
  const o = allocateSlots(<u64>((total + 7) >> 3), FMT_COMPILED_METHOD + <u32>((8 - (total & 7)) & 7), ci);
  if (o == 0) return failMemory();
  store<u64>(<usize>o + 8, <u64>hd); // the header SmallInteger oop itself
  for (let i: i64 = 1; i <= numLits; i++) store<u64>(<usize>o + 8 + (<usize>i << 3), nilOop());
  return ret(o);
}
