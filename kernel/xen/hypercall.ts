// Typed wrappers over the `hypercall` intrinsic: one function per hypercall the kernel uses,
// with Xen's numbers (xen/include/public/xen.h). Pointer arguments are linear-memory
// addresses; they are turned into virtual addresses here (0 stays NULL).

import { hypercall, linear_base } from "./intrinsics";

export const HYPERVISOR_set_trap_table: i32 = 0;
export const HYPERVISOR_mmu_update: i32 = 1;
export const HYPERVISOR_stack_switch: i32 = 3;
export const HYPERVISOR_set_callbacks: i32 = 4;
export const HYPERVISOR_memory_op: i32 = 12;
export const HYPERVISOR_multicall: i32 = 13;
export const HYPERVISOR_update_va_mapping: i32 = 14;
export const HYPERVISOR_set_timer_op: i32 = 15;
export const HYPERVISOR_xen_version: i32 = 17;
export const HYPERVISOR_console_io: i32 = 18;
export const HYPERVISOR_grant_table_op: i32 = 20;
export const HYPERVISOR_vm_assist: i32 = 21;
export const HYPERVISOR_iret: i32 = 23;
export const HYPERVISOR_vcpu_op: i32 = 24;
export const HYPERVISOR_mmuext_op: i32 = 26;
export const HYPERVISOR_sched_op: i32 = 29;
export const HYPERVISOR_callback_op: i32 = 30;
export const HYPERVISOR_event_channel_op: i32 = 32;

export const DOMID_SELF: i32 = 0x7ff0;

// errno values Xen returns (negated).
export const XEN_EPERM: i64 = -1;
export const XEN_ENOENT: i64 = -2;
export const XEN_EAGAIN: i64 = -11;
export const XEN_ENOMEM: i64 = -12;
export const XEN_EFAULT: i64 = -14;
export const XEN_EBUSY: i64 = -16;
export const XEN_EINVAL: i64 = -22;
export const XEN_ENOSYS: i64 = -38;

/** The virtual address of a linear-memory pointer, as a hypercall argument (0 stays NULL). */
// @ts-ignore: decorator
@inline export function guest_va(ptr: usize): i64 {
  return ptr == 0 ? 0 : linear_base() + <i64>ptr;
}

export function set_trap_table(table: usize): i64 {
  return hypercall(HYPERVISOR_set_trap_table, guest_va(table), 0, 0, 0, 0);
}

/** `count` mmu_update_t {u64 ptr; u64 val} at `reqs`; `done` receives how many were applied. */
export function mmu_update(reqs: usize, count: i32, done: usize, domid: i32): i64 {
  return hypercall(HYPERVISOR_mmu_update, guest_va(reqs), <i64>count, guest_va(done), <i64>domid, 0);
}

export function mmuext_op(ops: usize, count: i32, done: usize, domid: i32): i64 {
  return hypercall(HYPERVISOR_mmuext_op, guest_va(ops), <i64>count, guest_va(done), <i64>domid, 0);
}

/** Sets the PTE that maps `va` to `pte` (machine address | flags). */
export function update_va_mapping(va: i64, pte: i64, flags: i64): i64 {
  return hypercall(HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

/** x86-64: event upcall, failsafe and syscall entry addresses. */
export function set_callbacks(event: i64, failsafe: i64, syscall: i64): i64 {
  return hypercall(HYPERVISOR_set_callbacks, event, failsafe, syscall, 0, 0);
}

export function memory_op(cmd: i32, arg: usize): i64 {
  return hypercall(HYPERVISOR_memory_op, <i64>cmd, guest_va(arg), 0, 0, 0);
}

/** One-shot timer at an absolute system time in ns; 0 cancels. */
export function set_timer_op(deadline_ns: i64): i64 {
  return hypercall(HYPERVISOR_set_timer_op, deadline_ns, 0, 0, 0, 0);
}

export function xen_version(cmd: i32, arg: usize): i64 {
  return hypercall(HYPERVISOR_xen_version, <i64>cmd, guest_va(arg), 0, 0, 0);
}

export const CONSOLEIO_write: i32 = 0;
export const CONSOLEIO_read: i32 = 1;

export function console_io(cmd: i32, count: i32, buf: usize): i64 {
  return hypercall(HYPERVISOR_console_io, <i64>cmd, <i64>count, guest_va(buf), 0, 0);
}

export function grant_table_op(cmd: i32, uop: usize, count: i32): i64 {
  return hypercall(HYPERVISOR_grant_table_op, <i64>cmd, guest_va(uop), <i64>count, 0, 0);
}

export const VMASST_CMD_enable: i32 = 0;
export const VMASST_TYPE_writable_pagetables: i32 = 2;

export function vm_assist(cmd: i32, type: i32): i64 {
  return hypercall(HYPERVISOR_vm_assist, <i64>cmd, <i64>type, 0, 0, 0);
}

export const VCPUOP_stop_periodic_timer: i32 = 7;

export function vcpu_op(cmd: i32, vcpu: i32, arg: usize): i64 {
  return hypercall(HYPERVISOR_vcpu_op, <i64>cmd, <i64>vcpu, guest_va(arg), 0, 0);
}

export const SCHEDOP_yield: i32 = 0;
export const SCHEDOP_block: i32 = 1;
export const SCHEDOP_shutdown: i32 = 2;
export const SCHEDOP_poll: i32 = 3;

export function sched_op(cmd: i32, arg: usize): i64 {
  return hypercall(HYPERVISOR_sched_op, <i64>cmd, guest_va(arg), 0, 0, 0);
}

export const EVTCHNOP_bind_interdomain: i32 = 0;
export const EVTCHNOP_bind_virq: i32 = 1;
export const EVTCHNOP_close: i32 = 3;
export const EVTCHNOP_send: i32 = 4;
export const EVTCHNOP_alloc_unbound: i32 = 6;
export const EVTCHNOP_unmask: i32 = 9;

export function event_channel_op(cmd: i32, arg: usize): i64 {
  return hypercall(HYPERVISOR_event_channel_op, <i64>cmd, guest_va(arg), 0, 0, 0);
}
