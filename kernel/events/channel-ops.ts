// Event-channel hypercalls (xen/include/public/event_channel.h): bind a VIRQ, allocate an
// unbound port for a remote domain, bind to a remote port, notify, close, unmask.

import {
  event_channel_op, EVTCHNOP_bind_virq, EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain,
  EVTCHNOP_send, EVTCHNOP_close, EVTCHNOP_unmask, DOMID_SELF,
} from "../xen/hypercall";

export const VIRQ_TIMER: u32 = 0;
export const VIRQ_CONSOLE: u32 = 2;
export const VIRQ_DOM_EXC: u32 = 3;

const ARG: usize = memory.data(16, 8);

/** evtchn_bind_virq {u32 virq; u32 vcpu; u32 port (out)}: the port, or a negative errno. */
export function bindVirq(virq: u32, vcpu: u32): i64 {
  store<u32>(ARG, virq);
  store<u32>(ARG, vcpu, 4);
  store<u32>(ARG, 0, 8);
  const rc = event_channel_op(EVTCHNOP_bind_virq, ARG);
  return rc < 0 ? rc : <i64>load<u32>(ARG, 8);
}

/** evtchn_alloc_unbound {u16 dom; u16 remote_dom; u32 port (out)}. */
export function allocUnbound(remoteDomid: u32): i64 {
  store<u16>(ARG, <u16>DOMID_SELF);
  store<u16>(ARG, <u16>remoteDomid, 2);
  store<u32>(ARG, 0, 4);
  const rc = event_channel_op(EVTCHNOP_alloc_unbound, ARG);
  return rc < 0 ? rc : <i64>load<u32>(ARG, 4);
}

/** evtchn_bind_interdomain {u16 remote_dom; pad; u32 remote_port; u32 local_port (out)}. */
export function bindInterdomain(remoteDomid: u32, remotePort: u32): i64 {
  store<u32>(ARG, remoteDomid & 0xffff);
  store<u32>(ARG, remotePort, 4);
  store<u32>(ARG, 0, 8);
  const rc = event_channel_op(EVTCHNOP_bind_interdomain, ARG);
  return rc < 0 ? rc : <i64>load<u32>(ARG, 8);
}

export function notify(port: u32): i64 {
  store<u32>(ARG, port);
  return event_channel_op(EVTCHNOP_send, ARG);
}

export function close(port: u32): i64 {
  store<u32>(ARG, port);
  return event_channel_op(EVTCHNOP_close, ARG);
}

/** Unmask through Xen (needed only when the guest cannot re-raise the upcall itself). */
export function unmaskViaXen(port: u32): i64 {
  store<u32>(ARG, port);
  return event_channel_op(EVTCHNOP_unmask, ARG);
}
