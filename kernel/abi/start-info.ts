// start_info (xen/include/public/xen.h, x86-64 layout, 1168 bytes): copied out of the boot
// region into linear memory at boot, then read through these accessors.

import { va_load_u64 } from "../xen/intrinsics";

export const START_INFO_SIZE: i32 = 1168;

export const SI_MAGIC: usize = 0; // char[32], "xen-3.0-x86_64"
export const SI_NR_PAGES: usize = 32;
export const SI_SHARED_INFO: usize = 40; // machine address
export const SI_FLAGS: usize = 48;
export const SI_STORE_MFN: usize = 56;
export const SI_STORE_EVTCHN: usize = 64; // u32
export const SI_CONSOLE_MFN: usize = 72; // console.domU.mfn; dom0: console.dom0.info_off (u32)
export const SI_CONSOLE_EVTCHN: usize = 80; // console.domU.evtchn (u32); dom0: info_size
export const SI_PT_BASE: usize = 88; // virtual address
export const SI_NR_PT_FRAMES: usize = 96;
export const SI_MFN_LIST: usize = 104; // virtual address of the p2m list
export const SI_MOD_START: usize = 112; // virtual address (or pfn with SIF_MOD_START_PFN)
export const SI_MOD_LEN: usize = 120;
export const SI_CMD_LINE: usize = 128; // char[1024]
export const SI_CMD_LINE_SIZE: i32 = 1024;
export const SI_FIRST_P2M_PFN: usize = 1152;
export const SI_NR_P2M_FRAMES: usize = 1160;

export const SIF_PRIVILEGED: u32 = 1;
export const SIF_INITDOMAIN: u32 = 2;
export const SIF_MOD_START_PFN: u32 = 8;

/** Copies start_info from its virtual address into `dst` (START_INFO_SIZE bytes). */
export function copyStartInfo(va: i64, dst: usize): void {
  for (let off: i32 = 0; off < START_INFO_SIZE; off += 8) {
    store<u64>(dst + <usize>off, va_load_u64(va + <i64>off));
  }
}

/** The magic is "xen-<major>.<minor>-x86_64" (Xen writes "xen-3.0-x86_64"). */
export function startInfoMagicOk(si: usize): bool {
  if (load<u8>(si + 0) != 0x78 || load<u8>(si + 1) != 0x65 || load<u8>(si + 2) != 0x6e || load<u8>(si + 3) != 0x2d) {
    return false; // "xen-"
  }
  // ends in "-x86_64" before the NUL, within the 32 bytes
  let n: i32 = 0;
  while (n < 32 && load<u8>(si + <usize>n) != 0) n++;
  if (n < 11 || n == 32) return false;
  const tail = "-x86_64";
  for (let i = 0; i < 7; i++) {
    if (<i32>load<u8>(si + <usize>(n - 7 + i)) != tail.charCodeAt(i)) return false;
  }
  return true;
}

export function nrPages(si: usize): u64 { return load<u64>(si + SI_NR_PAGES); }
export function sharedInfoMachineAddress(si: usize): u64 { return load<u64>(si + SI_SHARED_INFO); }
export function siFlags(si: usize): u32 { return <u32>load<u64>(si + SI_FLAGS); }
export function isInitialDomain(si: usize): bool { return (siFlags(si) & SIF_INITDOMAIN) != 0; }
export function storeMfn(si: usize): u64 { return load<u64>(si + SI_STORE_MFN); }
export function storeEvtchn(si: usize): u32 { return load<u32>(si + SI_STORE_EVTCHN); }
export function consoleMfn(si: usize): u64 { return load<u64>(si + SI_CONSOLE_MFN); }
export function consoleEvtchn(si: usize): u32 { return load<u32>(si + SI_CONSOLE_EVTCHN); }
export function ptBase(si: usize): u64 { return load<u64>(si + SI_PT_BASE); }
export function nrPtFrames(si: usize): u64 { return load<u64>(si + SI_NR_PT_FRAMES); }
export function mfnList(si: usize): u64 { return load<u64>(si + SI_MFN_LIST); }
export function modStart(si: usize): u64 { return load<u64>(si + SI_MOD_START); }
export function modLen(si: usize): u64 { return load<u64>(si + SI_MOD_LEN); }

/** Length of the command line (bytes before the first NUL, at most 1023). */
export function cmdLineLength(si: usize): i32 {
  let n: i32 = 0;
  while (n < SI_CMD_LINE_SIZE - 1 && load<u8>(si + SI_CMD_LINE + <usize>n) != 0) n++;
  return n;
}

export function cmdLine(si: usize): usize { return si + SI_CMD_LINE; }
