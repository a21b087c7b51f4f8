// Processes: the ProcessorScheduler's priority run queues, Semaphores, process switching
// (a process's frames stay married on their stack pages while it sleeps), preemption by the
// timer and by external semaphores (platform next_signal), the interrupt check done on sends and
// backward jumps (also the GC safe point), and idling: when no process can run, wait_event until
// the next timer deadline.

import { clock_monotonic_ns, clock_wall_ns, wait_event, next_signal } from "platform";
import { oop, isImmediate, isSmallInt, intValue, intOop, fetchSlot, numSlotsOf, formatOf } from "./oops";
import {
  LINK_NEXT, PROC_SUSPENDED_CONTEXT, PROC_PRIORITY, PROC_MY_LIST, SCHED_LISTS, SCHED_ACTIVE,
  LIST_FIRST, LIST_LAST, SEMA_EXCESS, ASSOC_VALUE,
} from "./layout";
import { R, NUM_PAGES, pageBase, pageInUse, pageHeadSP } from "./registers";
import {
  nilOop, splObj, storePtr, SO_SCHEDULER_ASSOCIATION, SO_TIMER_SEMAPHORE, SO_EXTERNAL_OBJECTS_ARRAY,
  SO_LOW_SPACE_SEMAPHORE, SO_THE_FINALIZATION_SEMAPHORE, SO_INTERRUPT_SEMAPHORE, gcNeeded,
} from "./heap";
import { ensureFrameContext, saveRegisters, resumeContext } from "./frames";
import { vmCrash } from "./crash";
import {
  addRootRange, setRootRangeLength, collectIfNeeded, fullGC, lowSpaceFlag, setLowSpace,
  pendingFinalizations,
} from "../objmem/index";
import { clearPendingFinalizations, imageHeaderFlags } from "../objmem/state";

const CHECK_EVERY: i32 = 2000;

export class S {
  static vmStartNs: i64 = 0;
  static timerDeadlineNs: i64 = -1;   // monotonic ns when the timer semaphore is due, -1 none
  static idle: bool = false;
  static preemptionYields: bool = false;
  static rootIds: i32 = -1;
  static pendingSwitch: bool = false;
  static interruptPending: bool = false;
  static inputSignalled: bool = false; // console input arrives as an external semaphore signal
}

export function resetInterruptCounter(): void {
  R.ticks += <u64>(CHECK_EVERY - R.interruptCounter);
  R.interruptCounter = CHECK_EVERY;
}
/** Frames activated and backward jumps taken so far (the interrupt counter's decrements; a
 *  counter forced low for an early safe point adds a few). */
export function interruptTicks(): u64 { return R.ticks + <u64>(CHECK_EVERY - R.interruptCounter); }

export function initScheduler(): void {
  S.vmStartNs = clock_monotonic_ns();
  S.timerDeadlineNs = -1;
  // image header flag 0x10 set: preemption does not yield (the preempted process keeps its place)
  S.preemptionYields = (imageHeaderFlags & 0x10) == 0;
  if (S.rootIds < 0) {
    for (let p = 0; p < NUM_PAGES; p++) {
      const id = addRootRange(pageBase(p), 0);
      if (p == 0) S.rootIds = id;
      if (id != S.rootIds + p) vmCrash("root range ids are not consecutive");
    }
  }
  R.interruptCounter = CHECK_EVERY;
  R.ticks = 0;
}

// ---- clocks

export function millisecondClock(): i64 { return (clock_monotonic_ns() - S.vmStartNs) / 1000000; }
/** Microseconds since the Smalltalk epoch (1901-01-01 UTC), as Squeak's primitive 240. */
export function utcMicroseconds(): i64 { return clock_wall_ns() / 1000 + 2177452800 * 1000000; }

/** The millisecond clock as primitive 135 answers it: wraps at 2^30 like Squeak's
 *  MillisecondClockMask, so it stays a SmallInteger on every image. */
export const MILLISECOND_CLOCK_MASK: i64 = 0x3FFFFFFF;

/** Arms the timer semaphore for a (wrapped) millisecond clock value (primitive 136): the
 *  deadline is the nearest time, forward or back by less than half a wrap, whose wrapped
 *  value is ms, so a deadline computed just before the clock wraps still fires on time. */
export function setTimerAtMilliseconds(ms: i64): void {
  const nowMs = millisecondClock();
  let delta = (ms - nowMs) & MILLISECOND_CLOCK_MASK;
  if (delta > (MILLISECOND_CLOCK_MASK >> 1)) delta -= MILLISECOND_CLOCK_MASK + 1;
  S.timerDeadlineNs = S.vmStartNs + (nowMs + delta) * 1000000;
}
/** Arms the timer semaphore for a UTC microsecond clock value (primitive 242). */
export function setTimerAtUTCMicroseconds(us: i64): void {
  S.timerDeadlineNs = clock_monotonic_ns() + (us - utcMicroseconds()) * 1000;
}
export function disarmTimer(): void { S.timerDeadlineNs = -1; }

/** Console input now signals an external semaphore (primitiveConsoleInputSemaphore), so an
 *  idle VM needs no polling deadline to notice it. */
export function setInputSignalled(on: bool): void { S.inputSignalled = on; }

// ---- GC safe point

/** Publishes the live part of every stack page as a root range, then collects if eden filled. */
export function publishStackRoots(): void {
  saveRegisters();
  for (let p = 0; p < NUM_PAGES; p++) {
    let words = 0;
    if (pageInUse(p) || p == R.page) {
      const sp = p == R.page ? R.sp : pageHeadSP(p);
      words = <i32>((sp + 8 - pageBase(p)) >> 3);
      if (words < 0) words = 0;
    }
    setRootRangeLength(S.rootIds + p, words);
  }
}

export function gcSafePoint(): void {
  publishStackRoots();
  collectIfNeeded();
}

export function fullCollect(): void {
  publishStackRoots();
  fullGC();
}

// ---- linked lists

function isEmptyList(list: oop): bool { return fetchSlot(list, LIST_FIRST) == nilOop(); }

// A damaged image can put anything in a list's or a process's link slots; following such a
// link would read outside the heap, so the scheduler checks each one it follows and stops the
// VM with a report instead.
function checkedLink(o: oop): oop {
  if (!isProcess(o)) vmCrash("scheduler: a process list links to an object that is not a Process (damaged image?)");
  return o;
}

function addLastLink(list: oop, proc: oop): void {
  const nil = nilOop();
  const last = fetchSlot(list, LIST_LAST);
  if (last == nil) storePtr(list, LIST_FIRST, proc);
  else storePtr(checkedLink(last), LINK_NEXT, proc);
  storePtr(list, LIST_LAST, proc);
  storePtr(proc, LINK_NEXT, nil);
  storePtr(proc, PROC_MY_LIST, list);
}

function addFirstLink(list: oop, proc: oop): void {
  const first = fetchSlot(list, LIST_FIRST);
  if (first == nilOop()) storePtr(list, LIST_LAST, proc);
  storePtr(proc, LINK_NEXT, first);
  storePtr(list, LIST_FIRST, proc);
  storePtr(proc, PROC_MY_LIST, list);
}

function removeFirstLink(list: oop): oop {
  const nil = nilOop();
  const first = checkedLink(fetchSlot(list, LIST_FIRST));
  const last = fetchSlot(list, LIST_LAST);
  if (first == last) { storePtr(list, LIST_FIRST, nil); storePtr(list, LIST_LAST, nil); }
  else storePtr(list, LIST_FIRST, fetchSlot(first, LINK_NEXT));
  storePtr(first, LINK_NEXT, nil);
  storePtr(first, PROC_MY_LIST, nil);
  return first;
}

/** Removes proc from list; false when it is not there. */
export function removeLink(list: oop, proc: oop): bool {
  const nil = nilOop();
  const first = fetchSlot(list, LIST_FIRST);
  if (first == nil) return false;
  if (first == proc) { removeFirstLink(list); return true; }
  let prev = first;
  let guard = 0;
  while (guard++ < 10000000) {
    const next = fetchSlot(prev, LINK_NEXT);
    if (next == nil) return false;
    checkedLink(next);
    if (next == proc) {
      const after = fetchSlot(proc, LINK_NEXT);
      storePtr(prev, LINK_NEXT, after);
      if (fetchSlot(list, LIST_LAST) == proc) storePtr(list, LIST_LAST, prev);
      storePtr(proc, LINK_NEXT, nil);
      storePtr(proc, PROC_MY_LIST, nil);
      return true;
    }
    prev = next;
  }
  return false;
}

// ---- scheduler

export function scheduler(): oop { return fetchSlot(splObj(SO_SCHEDULER_ASSOCIATION), ASSOC_VALUE); }
export function activeProcess(): oop { return fetchSlot(scheduler(), SCHED_ACTIVE); }
function priorityOf(proc: oop): i32 {
  const p = fetchSlot(proc, PROC_PRIORITY);
  return isSmallInt(p) ? <i32>intValue(p) : 0;
}
function runList(priority: i32): oop {
  const lists = fetchSlot(scheduler(), SCHED_LISTS);
  if (priority < 1 || <usize>priority > numSlotsOf(lists)) vmCrash("process priority out of range");
  return fetchSlot(lists, <usize>(priority - 1));
}

/** Whether proc's priority names one of the scheduler's run queues: primitives check this
 *  before a process reaches runList, where a bad priority would stop the VM. */
export function hasValidPriority(proc: oop): bool {
  const p = fetchSlot(proc, PROC_PRIORITY);
  if (!isSmallInt(p)) return false;
  const lists = fetchSlot(scheduler(), SCHED_LISTS);
  if (isImmediate(lists) || lists == nilOop() || formatOf(lists) > 3) return false;
  const v = intValue(p);
  return v >= 1 && v <= <i64>numSlotsOf(lists);
}

/** Whether o looks like a Process (pointers, enough slots). */
export function isProcess(o: oop): bool {
  return !isImmediate(o) && o != nilOop() && formatOf(o) <= 3 && numSlotsOf(o) > PROC_MY_LIST;
}
export function isLinkedList(o: oop): bool {
  return !isImmediate(o) && o != nilOop() && formatOf(o) <= 3 && numSlotsOf(o) > LIST_LAST;
}

/** Puts proc at the back of its priority's run queue. */
function putToSleep(proc: oop, atFront: bool): void {
  const list = runList(priorityOf(proc));
  if (atFront) addFirstLink(list, proc); else addLastLink(list, proc);
}

/** Saves the active process and resumes proc (which is in no list). */
export function transferTo(proc: oop): void {
  const sched = scheduler();
  const old = fetchSlot(sched, SCHED_ACTIVE);
  if (R.page >= 0 && R.fp != 0) {
    const ctx = ensureFrameContext(R.fp);
    saveRegisters();
    storePtr(old, PROC_SUSPENDED_CONTEXT, ctx);
  }
  storePtr(sched, SCHED_ACTIVE, proc);
  const ctx = fetchSlot(proc, PROC_SUSPENDED_CONTEXT);
  storePtr(proc, PROC_SUSPENDED_CONTEXT, nilOop());
  storePtr(proc, PROC_MY_LIST, nilOop());
  if (!resumeContext(ctx)) vmCrash("resumed a process whose context cannot run");
}

/** The highest-priority runnable process, removed from its run queue; idles (wait_event) while
 *  there is none. */
function wakeHighestPriority(): oop {
  while (true) {
    const lists = fetchSlot(scheduler(), SCHED_LISTS);
    for (let p = <i32>numSlotsOf(lists); p >= 1; p--) {
      const list = fetchSlot(lists, <usize>(p - 1));
      if (list == nilOop()) continue;
      if (!isLinkedList(list)) vmCrash("scheduler: a priority list is not a LinkedList (damaged image?)");
      if (!isEmptyList(list)) return removeFirstLink(list);
    }
    // nothing can run: wait for the timer or an external event
    S.idle = true;
    wait_event(S.timerDeadlineNs);
    pollEvents();
    S.idle = false;
  }
}

/** Makes proc runnable; switches to it when it has a higher priority than the active process. */
export function resumeProcess(proc: oop): void {
  const active = activeProcess();
  if (!S.idle && priorityOf(proc) > priorityOf(active)) {
    putToSleep(active, !S.preemptionYields);
    transferTo(proc);
  } else {
    putToSleep(proc, false);
  }
}

/** Semaphore signal: resume its first waiter, or count an excess signal. */
export function signalSemaphore(sema: oop): void {
  if (isImmediate(sema) || sema == nilOop() || numSlotsOf(sema) <= SEMA_EXCESS) return;
  if (isEmptyList(sema)) {
    const e = fetchSlot(sema, SEMA_EXCESS);
    storePtr(sema, SEMA_EXCESS, intOop((isSmallInt(e) ? intValue(e) : 0) + 1));
  } else {
    resumeProcess(removeFirstLink(sema));
  }
}

/** Suspends the active process at the back of list (a Semaphore or Mutex) and runs the next. */
export function waitOnList(list: oop): void {
  addLastLink(list, activeProcess());
  transferTo(wakeHighestPriority());
}

/** Removes and answers the first process waiting on list, nil when none waits. */
export function takeFirstOf(list: oop): oop {
  return isEmptyList(list) ? nilOop() : removeFirstLink(list);
}

/** Semaphore wait for the active process. */
export function waitSemaphore(sema: oop): void {
  const e = fetchSlot(sema, SEMA_EXCESS);
  const excess = isSmallInt(e) ? intValue(e) : 0;
  if (excess > 0) { storePtr(sema, SEMA_EXCESS, intOop(excess - 1)); return; }
  const active = activeProcess();
  addLastLink(sema, active);
  transferTo(wakeHighestPriority());
}

/** Suspends the active process and runs the next one. */
export function suspendActive(): void {
  transferTo(wakeHighestPriority());
}

/** Processor yield: let another process of the same priority run. */
export function yieldActive(): void {
  const active = activeProcess();
  const list = runList(priorityOf(active));
  if (isEmptyList(list)) return;
  addLastLink(list, active);
  transferTo(wakeHighestPriority());
}

// ---- interrupts

/** Timer, external semaphores, low space, finalization: signals what is due. */
function pollEvents(): void {
  if (S.timerDeadlineNs >= 0 && clock_monotonic_ns() >= S.timerDeadlineNs) {
    S.timerDeadlineNs = -1;
    signalSemaphore(splObj(SO_TIMER_SEMAPHORE));
  }
  let guard = 0;
  while (guard++ < 4096) {
    const i = next_signal();
    if (i < 0) break;
    const table = splObj(SO_EXTERNAL_OBJECTS_ARRAY);
    if (!isImmediate(table) && table != nilOop() && i >= 1 && <usize>i <= numSlotsOf(table)) {
      signalSemaphore(fetchSlot(table, <usize>(i - 1)));
    }
  }
  if (lowSpaceFlag) {
    setLowSpace(false);
    signalSemaphore(splObj(SO_LOW_SPACE_SEMAPHORE));
  }
  if (pendingFinalizations > 0) {
    clearPendingFinalizations();
    signalSemaphore(splObj(SO_THE_FINALIZATION_SEMAPHORE));
  }
  if (S.interruptPending) {
    S.interruptPending = false;
    signalSemaphore(splObj(SO_INTERRUPT_SEMAPHORE));
  }
}

/** Called every few thousand sends and backward jumps: a GC safe point and the place where
 *  processes are preempted. */
export function checkForInterrupts(): void {
  resetInterruptCounter();
  if (gcNeeded()) gcSafePoint();
  pollEvents();
}

/** Primitive 230 relinquishProcessorForMicroseconds: the image's idle process calls this when
 *  nothing else can run. With the timer armed, sleep until its deadline (however short the
 *  request: a unikernel should not wake a thousand times a second for nothing, and any external
 *  event ends wait_event early); without one, sleep up to us, unless console input arrives as
 *  a signal: then only the timer or an external event can make work, so sleep until one comes
 *  (on Xen the vCPU blocks). Then deliver what is due at once, so a woken process does not wait
 *  for the next interrupt check. */
export function relinquish(us: i64): void {
  const now = clock_monotonic_ns();
  const deadline = S.timerDeadlineNs >= 0 ? S.timerDeadlineNs : S.inputSignalled ? -1 : now + us * 1000;
  if (deadline < 0 || deadline > now) {
    S.idle = true;
    wait_event(deadline);
    S.idle = false;
  }
  pollEvents();
}
