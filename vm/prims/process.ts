// Process and time primitives: Semaphore signal/wait (85/86), Process resume/suspend (87/88),
// yield (167), clocks (135 millisecond, 137 seconds, 240 UTC and 241 local microseconds),
// timer semaphore (136 signal:atMilliseconds:, 242 signal:atUTCMicroseconds:), idle (230),
// Mutex critical sections (185 exit, 186 enter, 187 test-and-set ownership).

import { R } from "../interp/registers";
import { oop, isSmallInt, intValue, isImmediate, fetchSlot, numSlotsOf, formatOf } from "../interp/oops";
import { nilOop, trueOop, falseOop, storePtr, splObj, classOfOop, SO_TIMER_SEMAPHORE, SO_CLASS_SEMAPHORE } from "../interp/heap";
import { PROC_SUSPENDED_CONTEXT, PROC_MY_LIST, SEMA_EXCESS, LIST_FIRST, LIST_LAST } from "../interp/layout";
import {
  signalSemaphore, waitSemaphore, resumeProcess, suspendActive, yieldActive, activeProcess, isProcess,
  isLinkedList, removeLink, millisecondClock, utcMicroseconds, setTimerAtMilliseconds,
  setTimerAtUTCMicroseconds, disarmTimer, relinquish, waitOnList, takeFirstOf, MILLISECOND_CLOCK_MASK,
  hasValidPriority,
} from "../interp/scheduler";
import { specialObjectsOop } from "../objmem/index";
import { packResult } from "./bignum";
import { rcvr, arg, ret, retInt, fail, failReceiver, failArgument, failMemory } from "./support";
import { ERR_INAPPROPRIATE } from "../interp/layout";
import { isContext } from "../interp/frames";

// The scheduler trusts what these primitives hand it, so they check more than shape: a
// receiver of the wrong class, or a list whose ends are not runnable processes, fails the
// primitive instead of reaching the scheduler (where it would stop the VM).

const MAX_CLASS_DEPTH = 64;
const SUPERCLASS_SLOT: usize = 0;

/** Whether cls is target or inherits from it (a bounded walk: a corrupt chain answers false). */
function inheritsFrom(cls: oop, target: oop): bool {
  for (let i = 0; i < MAX_CLASS_DEPTH; i++) {
    if (cls == target) return true;
    if (isImmediate(cls) || cls == nilOop() || formatOf(cls) > 3 || numSlotsOf(cls) <= SUPERCLASS_SLOT) return false;
    cls = fetchSlot(cls, SUPERCLASS_SLOT);
  }
  return false;
}

function isRunnableProcess(p: oop): bool { return isProcess(p) && hasValidPriority(p); }
function isNilOrRunnableProcess(p: oop): bool { return p == nilOop() || isRunnableProcess(p); }

/** A list whose first and last links the scheduler may resume or append to. */
function hasSoundEnds(list: oop): bool {
  return isNilOrRunnableProcess(fetchSlot(list, LIST_FIRST)) && isNilOrRunnableProcess(fetchSlot(list, LIST_LAST));
}

function isSemaphore(o: oop): bool {
  if (!isLinkedList(o) || numSlotsOf(o) <= SEMA_EXCESS || !isSmallInt(fetchSlot(o, SEMA_EXCESS))) return false;
  const semaphoreClass = splObj(SO_CLASS_SEMAPHORE);
  if (semaphoreClass != nilOop() && !inheritsFrom(classOfOop(o), semaphoreClass)) return false;
  return hasSoundEnds(o);
}

export function primSignal(): bool {
  const s = rcvr();
  if (!isSemaphore(s)) return failReceiver();
  ret(s);
  signalSemaphore(s);
  return true;
}
export function primWait(): bool {
  const s = rcvr();
  if (!isSemaphore(s)) return failReceiver();
  ret(s);
  waitSemaphore(s);
  return true;
}
export function primResume(): bool {
  const p = rcvr();
  if (!isRunnableProcess(p)) return failReceiver();
  const ctx = fetchSlot(p, PROC_SUSPENDED_CONTEXT);
  if (!isContext(ctx)) return fail(ERR_INAPPROPRIATE);
  if (fetchSlot(p, PROC_MY_LIST) != nilOop()) return fail(ERR_INAPPROPRIATE); // already runnable or waiting
  ret(p);
  resumeProcess(p);
  return true;
}
export function primSuspend(): bool {
  const p = rcvr();
  if (!isProcess(p)) return failReceiver();
  if (p == activeProcess()) {
    ret(nilOop());
    suspendActive();
    return true;
  }
  const list = fetchSlot(p, PROC_MY_LIST);
  if (!isLinkedList(list)) return fail(ERR_INAPPROPRIATE);
  if (!removeLink(list, p)) return fail(ERR_INAPPROPRIATE);
  return ret(list);
}
export function primYield(): bool {
  ret(rcvr());
  yieldActive();
  return true;
}

export function primMillisecondClock(): bool { return retInt(millisecondClock() & MILLISECOND_CLOCK_MASK); }
export function primSecondsClock(): bool { return retInt(utcMicroseconds() / 1000000); }
function retLarge64(v: i64): bool {
  const scratch = memory.data(16);
  store<u64>(scratch, <u64>v); store<u64>(scratch, 0, 8);
  const o = packResult(v < 0, scratch, 2);
  return o == 0 ? failMemory() : ret(o);
}
export function primUTCMicroseconds(): bool { return retLarge64(utcMicroseconds()); }
export function primLocalMicroseconds(): bool { return retLarge64(utcMicroseconds()); }

function setTimerSemaphore(s: oop): void {
  storePtr(specialObjectsOop, <usize>SO_TIMER_SEMAPHORE, s);
}

/** 136 signal: aSemaphore atMilliseconds: msClockValue (nil disarms) */
export function primSignalAtMilliseconds(): bool {
  const s = arg(0); const ms = arg(1);
  if (!isSmallInt(ms)) return failArgument();
  if (isSemaphore(s)) { setTimerSemaphore(s); setTimerAtMilliseconds(intValue(ms)); }
  else { setTimerSemaphore(nilOop()); disarmTimer(); }
  return ret(rcvr());
}

/** 242 signal: aSemaphore atUTCMicroseconds: usecs */
export function primSignalAtUTCMicroseconds(): bool {
  const s = arg(0); const us = arg(1);
  let v: i64;
  if (isSmallInt(us)) v = intValue(us);
  else if (!isImmediate(us) && (load<u64>(<usize>us) >> 24 & 0x1F) >= 16) {
    // a LargePositiveInteger of up to 8 bytes
    const n = <usize>numSlotsOf(us);
    if (n != 1) return failArgument();
    v = <i64>load<u64>(<usize>us + 8);
  } else return failArgument();
  if (isSemaphore(s)) { setTimerSemaphore(s); setTimerAtUTCMicroseconds(v); }
  else { setTimerSemaphore(nilOop()); disarmTimer(); }
  return ret(rcvr());
}

/** 230 relinquishProcessorForMicroseconds: */
export function primRelinquish(): bool {
  const us = arg(0);
  if (!isSmallInt(us)) return failArgument();
  let v = intValue(us); if (v < 0) v = 0; if (v > 1000000) v = 1000000;
  ret(rcvr());
  relinquish(v);
  return true;
}

// ---- Mutex (Squeak's layout: a LinkedList of waiting processes, then the owner in slot 2)

const MUTEX_OWNER: usize = 2;
function isMutex(o: oop): bool {
  return isLinkedList(o) && numSlotsOf(o) > MUTEX_OWNER && hasSoundEnds(o) && isNilOrRunnableProcess(fetchSlot(o, MUTEX_OWNER));
}

/** 186 primitiveEnterCriticalSection (optional arg: the process that enters, default the
 *  active one): false when it now owns the mutex (or, after waiting, was handed it), true when
 *  it already owned it, so the caller knows whether to release it. */
export function primEnterCriticalSection(): bool {
  const m = rcvr();
  if (!isMutex(m)) return failReceiver();
  let proc = activeProcess();
  if (R.argCount > 0) { proc = arg(0); if (!isRunnableProcess(proc)) return failArgument(); }
  const owner = fetchSlot(m, MUTEX_OWNER);
  if (owner == nilOop()) { storePtr(m, MUTEX_OWNER, proc); return ret(falseOop()); }
  if (owner == proc) return ret(trueOop());
  if (proc != activeProcess()) return fail(ERR_INAPPROPRIATE);
  ret(falseOop());
  waitOnList(m);   // the exiting owner hands the mutex over before resuming us
  return true;
}

/** 185 primitiveExitCriticalSection: hand the mutex to its first waiter, or free it. */
export function primExitCriticalSection(): bool {
  const m = rcvr();
  if (!isMutex(m)) return failReceiver();
  ret(m);
  const next = takeFirstOf(m);
  storePtr(m, MUTEX_OWNER, next);
  if (next != nilOop()) resumeProcess(next);
  return true;
}

/** 187 primitiveTestAndSetOwnershipOfCriticalSection: false when the active process just took
 *  the free mutex, true when it owned it already, nil when another process owns it. */
export function primTestAndSetOwnership(): bool {
  const m = rcvr();
  if (!isMutex(m)) return failReceiver();
  const owner = fetchSlot(m, MUTEX_OWNER);
  const active = activeProcess();
  if (owner == nilOop()) { storePtr(m, MUTEX_OWNER, active); return ret(falseOop()); }
  return ret(owner == active ? trueOop() : nilOop());
}

export { R };
