// The guest module's exports that the xen runtime calls (docs/xen-intrinsics.md, "Exports
// the runtime calls"). The xen build passes this file to asc as an extra entry file beside
// the program's own, so these names are exported from the final module.

import { boot } from "./boot";
import { poweroff } from "./shutdown";

export { xen_trap, xen_failsafe } from "./traps/crash-report";
export { xen_event_upcall } from "./sched/idle";
export { xen_memory_size, xen_memory_grow } from "./memory/linear";

/** Brings the kernel up; the runtime then calls the program's `main` export. */
export function xen_boot(): void {
  boot();
}

/** Called by the runtime with main's result: prints it and powers off. */
export function xen_exit(status: i32): void {
  poweroff(status);
}
