// What every primitive uses: its arguments on the interpreter stack (receiver under argCount
// args), success by replacing them with the result, failure by setting a failure code and
// leaving the stack untouched.

import { R } from "../interp/registers";
import { oop, isSmallInt, intValue, intOop, isIntValue, isImmediate, formatOf } from "../interp/oops";
import { nilOop, trueOop, falseOop } from "../interp/heap";
import { ERR_BAD_RECEIVER, ERR_BAD_ARGUMENT, ERR_BAD_INDEX, ERR_NO_MEMORY, ERR_INAPPROPRIATE } from "../interp/layout";

// @ts-ignore: decorator
@inline export function arg(n: i32): oop { return load<u64>(R.sp - (<usize>(R.argCount - 1 - n) << 3)); }
// @ts-ignore: decorator
@inline export function rcvr(): oop { return load<u64>(R.sp - (<usize>R.argCount << 3)); }
// @ts-ignore: decorator
@inline export function stackAt(n: i32): oop { return load<u64>(R.sp - (<usize>n << 3)); }

/** Replace receiver and args with v; answers true (primitive succeeded). */
// @ts-ignore: decorator
@inline export function ret(v: oop): bool {
  R.sp -= <usize>R.argCount << 3;
  store<u64>(R.sp, v);
  return true;
}
// @ts-ignore: decorator
@inline export function retBool(b: bool): bool { return ret(b ? trueOop() : falseOop()); }
// @ts-ignore: decorator
@inline export function retInt(v: i64): bool { return ret(intOop(v)); }
export function retSelf(): bool { return ret(rcvr()); }

// @ts-ignore: decorator
@inline export function fail(code: i32): bool { R.primFailCode = code; return false; }
export function failReceiver(): bool { return fail(ERR_BAD_RECEIVER); }
export function failArgument(): bool { return fail(ERR_BAD_ARGUMENT); }
export function failIndex(): bool { return fail(ERR_BAD_INDEX); }
export function failMemory(): bool { return fail(ERR_NO_MEMORY); }
export function failInappropriate(): bool { return fail(ERR_INAPPROPRIATE); }

export { isSmallInt, intValue, intOop, isIntValue, isImmediate, formatOf, nilOop, trueOop, falseOop };
