// The Xen test host's API for tests and benchmarks (see scripts/xen-host/README.md):
//   const r = await runGuests([{ kernel: 'out/hello.elf', memory: 32, timeLimitSeconds: 30 }]);
//   r.guests[0].console / .ending ('poweroff' | 'crash' | 'reboot' | 'timeout' | ...) / .exitStatus
export { hostUnavailableReason, provisionHost, packageVersions, type HostFiles } from './provision.ts';
export { runGuests, referenceGuest, detectAccel, parseReport, packJob } from './run.ts';
export type { GuestSpec, GuestResult, Ending, HostRunResult, RunOptions, Accel } from './run.ts';
