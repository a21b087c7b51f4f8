// External semaphore signals: a driver's event handler raises the 1-based index of a Smalltalk
// external semaphore, and the VM takes the indices through the platform's next_signal, in the
// order they were first raised. An index already waiting is not queued again (a semaphore whose
// event fired twice before the VM looked is woken once: its reader drains everything there is),
// so the queue can never hold more than MAX_SIGNAL_INDEX entries and never overflows.

export const MAX_SIGNAL_INDEX: i32 = 256;

const QUEUE: usize = memory.data(MAX_SIGNAL_INDEX * 4, 4);
const WAITING: usize = memory.data(MAX_SIGNAL_INDEX + 1);
let head: i32 = 0;
let count: i32 = 0;
let raised: u64 = 0;

/** Queues `index` (1..MAX_SIGNAL_INDEX); false for an index out of range. */
export function raiseSignal(index: i32): bool {
  if (index < 1 || index > MAX_SIGNAL_INDEX) return false;
  raised++;
  if (load<u8>(WAITING + <usize>index) != 0) return true;
  store<u8>(WAITING + <usize>index, 1);
  store<i32>(QUEUE + <usize>(((head + count) % MAX_SIGNAL_INDEX) * 4), index);
  count++;
  return true;
}

/** The oldest waiting index, removed; -1 when none waits. */
export function takeSignal(): i32 {
  if (count == 0) return -1;
  const index = load<i32>(QUEUE + <usize>(head * 4));
  head = (head + 1) % MAX_SIGNAL_INDEX;
  count--;
  store<u8>(WAITING + <usize>index, 0);
  return index;
}

export function signalsWaiting(): i32 { return count; }
export function signalsRaised(): u64 { return raised; }
