// Event delivery: the 2-level pending/mask bitmaps in shared_info, a handler per port, and
// the scan that the upcall (and the idle loop) run. Handlers are AssemblyScript functions
// `(port: u32) => void`, kept by their table index.

import {
  atomic_test_and_set_bit, atomic_test_and_clear_bit, atomic_xchg_u64, mb,
} from "../xen/intrinsics";
import {
  SH_EVTCHN_PENDING, SH_EVTCHN_MASK, VI_PENDING_SEL, VI_UPCALL_PENDING, NR_EVENT_CHANNELS, vcpuInfo,
} from "../abi/shared-info";

export type EventHandler = (port: u32) => void;

// Table index + 1 of each port's handler (0: none).
const HANDLERS: usize = memory.data(NR_EVENT_CHANNELS * 4, 8);

let sharedInfo: usize = 0;
let delivered: u64 = 0;
let unhandled: u64 = 0;

export function eventsInit(sharedInfoPage: usize): void {
  sharedInfo = sharedInfoPage;
  // Mask everything until a handler is bound: ports left from a previous kernel (kexec,
  // soft reset) must not fire into nothing.
  for (let w: usize = 0; w < 64; w++) store<u64>(sharedInfo + SH_EVTCHN_MASK + w * 8, ~(<u64>0));
  memory.fill(HANDLERS, 0, <usize>NR_EVENT_CHANNELS * 4);
}

function word(base: usize, port: u32): usize {
  return sharedInfo + base + <usize>(port >> 6) * 8;
}

export function maskPort(port: u32): void {
  atomic_test_and_set_bit(word(SH_EVTCHN_MASK, port), <i32>(port & 63));
}

/** Unmask; if the port was pending meanwhile, re-raise it in the selector so the next scan
 *  sees it (events stay masked at the vcpu level, so no upcall needs forcing). */
export function unmaskPort(port: u32): void {
  atomic_test_and_clear_bit(word(SH_EVTCHN_MASK, port), <i32>(port & 63));
  mb();
  const pending = (load<u64>(word(SH_EVTCHN_PENDING, port)) >> (<u64>(port & 63))) & 1;
  if (pending != 0) {
    const vi = vcpuInfo(sharedInfo, 0);
    atomic_test_and_set_bit(vi + VI_PENDING_SEL, <i32>(port >> 6));
    store<u8>(vi + VI_UPCALL_PENDING, 1);
  }
}

export function clearPending(port: u32): bool {
  return atomic_test_and_clear_bit(word(SH_EVTCHN_PENDING, port), <i32>(port & 63)) != 0;
}

/** Binds a handler to a port and unmasks it. */
export function bindHandler(port: u32, handler: EventHandler): void {
  if (port >= <u32>NR_EVENT_CHANNELS) return;
  store<u32>(HANDLERS + <usize>port * 4, handler.index + 1);
  unmaskPort(port);
}

export function unbindHandler(port: u32): void {
  if (port >= <u32>NR_EVENT_CHANNELS) return;
  maskPort(port);
  store<u32>(HANDLERS + <usize>port * 4, 0);
}

/** Scans the pending bitmaps once: each pending, unmasked port is cleared and its handler
 *  called. Returns how many events were delivered. */
export function dispatchEvents(): i32 {
  if (sharedInfo == 0) return 0;
  const vi = vcpuInfo(sharedInfo, 0);
  let count: i32 = 0;
  store<u8>(vi + VI_UPCALL_PENDING, 0);
  mb();
  let sel = <u64>atomic_xchg_u64(vi + VI_PENDING_SEL, 0);
  while (sel != 0) {
    const w = <u32>ctz(sel);
    sel &= sel - 1;
    let bits = load<u64>(sharedInfo + SH_EVTCHN_PENDING + <usize>w * 8) &
      ~load<u64>(sharedInfo + SH_EVTCHN_MASK + <usize>w * 8);
    while (bits != 0) {
      const b = <u32>ctz(bits);
      bits &= bits - 1;
      const port = (w << 6) | b;
      if (!clearPending(port)) continue;
      const h = load<u32>(HANDLERS + <usize>port * 4);
      if (h != 0) {
        call_indirect<void>(h - 1, port);
        delivered++;
      } else {
        unhandled++;
      }
      count++;
    }
  }
  return count;
}

/** True when some unmasked port is pending (what SCHEDOP_block would wake for). */
export function eventsPending(): bool {
  if (sharedInfo == 0) return false;
  if (load<u64>(vcpuInfo(sharedInfo, 0) + VI_PENDING_SEL) != 0) return true;
  return false;
}

export function eventsDelivered(): u64 { return delivered; }
export function eventsUnhandled(): u64 { return unhandled; }
