// shared_info and vcpu_info (xen/include/public/xen.h and arch-x86/xen.h, x86-64 layout).

export const VCPU_INFO_SIZE: usize = 64;
export const MAX_VIRT_CPUS: i32 = 32;

// vcpu_info
export const VI_UPCALL_PENDING: usize = 0; // u8
export const VI_UPCALL_MASK: usize = 1; // u8
export const VI_PENDING_SEL: usize = 8; // u64 (xen_ulong_t)
export const VI_ARCH_CR2: usize = 16; // u64
export const VI_TIME: usize = 32; // vcpu_time_info

// vcpu_time_info
export const VT_VERSION: usize = 0; // u32, odd while Xen updates it
export const VT_TSC_TIMESTAMP: usize = 8; // u64
export const VT_SYSTEM_TIME: usize = 16; // u64, ns
export const VT_TSC_TO_SYSTEM_MUL: usize = 24; // u32, 32.32 fixed point
export const VT_TSC_SHIFT: usize = 28; // i8

// shared_info
export const SH_EVTCHN_PENDING: usize = 2048; // u64[64]
export const SH_EVTCHN_MASK: usize = 2560; // u64[64]
export const SH_WC_VERSION: usize = 3072; // u32
export const SH_WC_SEC: usize = 3076; // u32
export const SH_WC_NSEC: usize = 3080; // u32
export const SH_WC_SEC_HI: usize = 3084; // u32 (x86-64)

/** 2-level event channels: 64 words of 64 bits. */
export const NR_EVENT_CHANNELS: i32 = 4096;

export function vcpuInfo(sharedInfo: usize, vcpu: i32): usize {
  return sharedInfo + <usize>vcpu * VCPU_INFO_SIZE;
}
