// The one-shot Xen timer: set_timer_op(deadline in system ns) fires VIRQ_TIMER, bound to an
// event channel whose handler only records that it fired (the idle loop does the rest).
// Xen also starts every PV vcpu with a 100 Hz periodic timer on the same VIRQ; it is stopped
// at boot, or an idle domain would wake a hundred times a second for nothing.

import { set_timer_op, vcpu_op, VCPUOP_stop_periodic_timer } from "../xen/hypercall";
import { bindVirq, VIRQ_TIMER } from "../events/channel-ops";
import { bindHandler } from "../events/dispatch";

let timerPort: i64 = -1;
let fired: u32 = 0;
let armedFor: i64 = 0;

function onTimer(port: u32): void {
  fired++;
  armedFor = 0;
}

/** Stops the periodic tick and binds VIRQ_TIMER on vcpu 0: 0, or a negative errno. */
export function timerInit(): i64 {
  const stopped = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
  if (stopped < 0) return stopped;
  const port = bindVirq(VIRQ_TIMER, 0);
  if (port < 0) return port;
  timerPort = port;
  bindHandler(<u32>port, onTimer);
  return 0;
}

/** Arms the timer for an absolute system time (ns); 0 cancels. */
export function timerSet(deadlineNs: i64): i64 {
  armedFor = deadlineNs;
  return set_timer_op(deadlineNs);
}

export function timerFired(): u32 { return fired; }
export function timerPortNumber(): i64 { return timerPort; }
export function timerDeadline(): i64 { return armedFor; }
