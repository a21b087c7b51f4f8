// The xenstore ring page (xen/include/public/io/xs_wire.h): req[1024]@0, rsp[1024]@1024,
// req_cons@2048, req_prod@2052, rsp_cons@2056, rsp_prod@2060. Free-running u32 indices,
// byte i at i mod 1024. Indices written by xenstored are checked on every call.

import { mb, rmb, wmb } from "../../kernel/xen/intrinsics";

export const XS_RING_SIZE: u32 = 1024;
export const XS_REQ: usize = 0;
export const XS_RSP: usize = 1024;
export const XS_REQ_CONS: usize = 2048;
export const XS_REQ_PROD: usize = 2052;
export const XS_RSP_CONS: usize = 2056;
export const XS_RSP_PROD: usize = 2060;

export const XS_RING_CORRUPT: i32 = -1;

/** Copies up to `len` request bytes in: how many fit, or XS_RING_CORRUPT. */
export function xsRingWrite(page: usize, src: usize, len: i32): i32 {
  const cons = load<u32>(page + XS_REQ_CONS);
  let prod = load<u32>(page + XS_REQ_PROD);
  mb();
  if (prod - cons > XS_RING_SIZE) return XS_RING_CORRUPT;
  let n: i32 = 0;
  while (n < len && prod - cons < XS_RING_SIZE) {
    store<u8>(page + XS_REQ + <usize>(prod & (XS_RING_SIZE - 1)), load<u8>(src + <usize>n));
    prod++;
    n++;
  }
  wmb();
  store<u32>(page + XS_REQ_PROD, prod);
  return n;
}

/** Response bytes available, or XS_RING_CORRUPT. */
export function xsRingAvailable(page: usize): i32 {
  const avail = load<u32>(page + XS_RSP_PROD) - load<u32>(page + XS_RSP_CONS);
  rmb();
  return avail > XS_RING_SIZE ? XS_RING_CORRUPT : <i32>avail;
}

/** Copies up to `len` response bytes out: how many, or XS_RING_CORRUPT. */
export function xsRingRead(page: usize, dst: usize, len: i32): i32 {
  let cons = load<u32>(page + XS_RSP_CONS);
  const prod = load<u32>(page + XS_RSP_PROD);
  rmb();
  if (prod - cons > XS_RING_SIZE) return XS_RING_CORRUPT;
  let n: i32 = 0;
  while (n < len && cons != prod) {
    store<u8>(dst + <usize>n, load<u8>(page + XS_RSP + <usize>(cons & (XS_RING_SIZE - 1))));
    cons++;
    n++;
  }
  mb();
  store<u32>(page + XS_RSP_CONS, cons);
  return n;
}
