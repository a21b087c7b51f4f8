// The PV console ring page (xen/include/public/io/console.h): in[1024]@0, out[2048]@1024,
// in_cons@3072, in_prod@3076, out_cons@3080, out_prod@3084. Indices are free-running u32
// (they wrap at 2^32, never reset); the byte for index i is at i mod size. The other side's
// index is re-read and checked on every call: a backend that publishes an impossible index
// gets RING_CORRUPT, never a write outside the ring.

import { mb, rmb, wmb } from "../../kernel/xen/intrinsics";

export const CONS_IN: usize = 0;
export const CONS_IN_SIZE: u32 = 1024;
export const CONS_OUT: usize = 1024;
export const CONS_OUT_SIZE: u32 = 2048;
export const CONS_IN_CONS: usize = 3072;
export const CONS_IN_PROD: usize = 3076;
export const CONS_OUT_CONS: usize = 3080;
export const CONS_OUT_PROD: usize = 3084;

export const RING_CORRUPT: i32 = -1;

/** Copies up to `len` bytes into the output ring: how many fit (0 when full), or RING_CORRUPT. */
export function consoleRingWrite(page: usize, src: usize, len: i32): i32 {
  const cons = load<u32>(page + CONS_OUT_CONS);
  let prod = load<u32>(page + CONS_OUT_PROD);
  mb(); // read cons before writing the bytes it frees
  const used = prod - cons;
  if (used > CONS_OUT_SIZE) return RING_CORRUPT;
  let n: i32 = 0;
  while (n < len && prod - cons < CONS_OUT_SIZE) {
    store<u8>(page + CONS_OUT + <usize>(prod & (CONS_OUT_SIZE - 1)), load<u8>(src + <usize>n));
    prod++;
    n++;
  }
  wmb(); // bytes before the index that publishes them
  store<u32>(page + CONS_OUT_PROD, prod);
  return n;
}

/** Bytes waiting to be read by the backend, or RING_CORRUPT. */
export function consoleRingOutPending(page: usize): i32 {
  const used = load<u32>(page + CONS_OUT_PROD) - load<u32>(page + CONS_OUT_CONS);
  return used > CONS_OUT_SIZE ? RING_CORRUPT : <i32>used;
}

/** Input bytes waiting to be read, or RING_CORRUPT. */
export function consoleRingInPending(page: usize): i32 {
  const used = load<u32>(page + CONS_IN_PROD) - load<u32>(page + CONS_IN_CONS);
  return used > CONS_IN_SIZE ? RING_CORRUPT : <i32>used;
}

/** Copies up to `max` input bytes out of the ring: how many (0 when none), or RING_CORRUPT. */
export function consoleRingRead(page: usize, dst: usize, max: i32): i32 {
  let cons = load<u32>(page + CONS_IN_CONS);
  const prod = load<u32>(page + CONS_IN_PROD);
  rmb(); // the index before the bytes it publishes
  if (prod - cons > CONS_IN_SIZE) return RING_CORRUPT;
  let n: i32 = 0;
  while (n < max && cons != prod) {
    store<u8>(dst + <usize>n, load<u8>(page + CONS_IN + <usize>(cons & (CONS_IN_SIZE - 1))));
    cons++;
    n++;
  }
  mb(); // finish reading before giving the space back
  store<u32>(page + CONS_IN_CONS, cons);
  return n;
}
