// Time from Xen's per-vcpu vcpu_time_info and shared_info's wallclock, with the version
// protocol (an odd version, or a version that changed while reading, means Xen was
// updating the record: read again).

import { rdtsc, rmb } from "../xen/intrinsics";
import {
  VT_VERSION, VT_TSC_TIMESTAMP, VT_SYSTEM_TIME, VT_TSC_TO_SYSTEM_MUL, VT_TSC_SHIFT,
  SH_WC_VERSION, SH_WC_SEC, SH_WC_NSEC, SH_WC_SEC_HI, VI_TIME, vcpuInfo,
} from "../abi/shared-info";

/** ns elapsed for a TSC delta: ((delta << shift, or >> -shift) * mul) >> 32, with the
 *  64 x 32 bit product kept exact in 96 bits. */
export function scaleTscDelta(delta: u64, mul: u32, shift: i32): u64 {
  if (shift >= 0) delta <<= <u64>shift;
  else delta >>= <u64>(-shift);
  const lo = (delta & 0xffffffff) * <u64>mul;
  const hi = (delta >> 32) * <u64>mul;
  return hi + (lo >> 32);
}

let readsBehindStamp: u64 = 0;
let maxBehindNs: u64 = 0;

/** System time in ns for a TSC reading, from one consistent snapshot of vcpu_time_info. The
 *  TSC minus the stamp is taken modulo 2^64 as a signed difference: when Xen emulates the TSC
 *  (as under the nested test host) the stamp of a record written from a calibration made before
 *  the domain existed is a negative TSC value, which only wrapping arithmetic turns into the
 *  right, positive delta (treating it as "TSC behind the stamp" stopped the clock for up to a
 *  second, Xen's next calibration: the first timer wait of a domain lasted that long). A TSC
 *  truly behind the stamp counts back from it; monotonicNs never lets time go back. */
export function systemTimeAt(timeInfo: usize, tsc: u64): u64 {
  const stamp = load<u64>(timeInfo + VT_TSC_TIMESTAMP);
  const system = load<u64>(timeInfo + VT_SYSTEM_TIME);
  const mul = load<u32>(timeInfo + VT_TSC_TO_SYSTEM_MUL);
  const shift = <i32>load<i8>(timeInfo + VT_TSC_SHIFT);
  const delta = <i64>(tsc - stamp);
  if (delta >= 0) return system + scaleTscDelta(<u64>delta, mul, shift);
  const behind = scaleTscDelta(<u64>(-delta), mul, shift);
  readsBehindStamp++;
  if (behind > maxBehindNs) maxBehindNs = behind;
  return behind < system ? system - behind : 0;
}

/** Clock reads whose TSC was behind the time record's stamp, and the largest gap in ns. */
export function clockReadsBehindStamp(): u64 { return readsBehindStamp; }
export function clockMaxBehindNs(): u64 { return maxBehindNs; }

let lastMonotonic: u64 = 0;

/** Monotonic ns since the domain started (never goes back, even across vcpu_time_info
 *  updates that move the estimate slightly). */
export function monotonicNs(sharedInfo: usize): u64 {
  const ti = vcpuInfo(sharedInfo, 0) + VI_TIME;
  let now: u64 = 0;
  for (let tries = 0; ; tries++) {
    const version = load<u32>(ti + VT_VERSION);
    rmb();
    if ((version & 1) == 0) {
      now = systemTimeAt(ti, <u64>rdtsc());
      rmb();
      if (load<u32>(ti + VT_VERSION) == version) break;
    }
    if (tries > 1000000) break; // Xen never leaves it odd this long; use the last reading
  }
  if (now < lastMonotonic) now = lastMonotonic;
  lastMonotonic = now;
  return now;
}

/** Wallclock at system time 0, in ns since the Unix epoch. */
export function wallclockBaseNs(sharedInfo: usize): u64 {
  let sec: u64 = 0;
  let nsec: u64 = 0;
  for (let tries = 0; tries < 1000000; tries++) {
    const version = load<u32>(sharedInfo + SH_WC_VERSION);
    rmb();
    sec = (<u64>load<u32>(sharedInfo + SH_WC_SEC_HI) << 32) | <u64>load<u32>(sharedInfo + SH_WC_SEC);
    nsec = <u64>load<u32>(sharedInfo + SH_WC_NSEC);
    rmb();
    if ((version & 1) == 0 && load<u32>(sharedInfo + SH_WC_VERSION) == version) break;
  }
  return sec * 1000000000 + nsec;
}

/** ns since the Unix epoch, now. */
export function wallclockNs(sharedInfo: usize): u64 {
  return wallclockBaseNs(sharedInfo) + monotonicNs(sharedInfo);
}
