// The xenstore wire format (xen/include/public/io/xs_wire.h): a 16-byte header
// {u32 type; u32 req_id; u32 tx_id; u32 len} and a payload of at most 4096 bytes. Errors
// come back as type XS_ERROR with an errno name ("ENOENT\0"), mapped here to -errno.

export const XS_DIRECTORY: u32 = 1;
export const XS_READ: u32 = 2;
export const XS_WATCH: u32 = 4;
export const XS_UNWATCH: u32 = 5;
export const XS_TRANSACTION_START: u32 = 6;
export const XS_TRANSACTION_END: u32 = 7;
export const XS_WRITE: u32 = 11;
export const XS_MKDIR: u32 = 12;
export const XS_RM: u32 = 13;
export const XS_WATCH_EVENT: u32 = 15;
export const XS_ERROR: u32 = 16;

export const XS_HEADER_SIZE: i32 = 16;
export const XS_PAYLOAD_MAX: i32 = 4096;

// Results (negative errno, Linux numbering as xenstored's names imply).
export const XS_EPERM: i32 = -1;
export const XS_ENOENT: i32 = -2;
export const XS_EIO: i32 = -5;
export const XS_E2BIG: i32 = -7;
export const XS_EAGAIN: i32 = -11;
export const XS_ENOMEM: i32 = -12;
export const XS_EACCES: i32 = -13;
export const XS_EBUSY: i32 = -16;
export const XS_EEXIST: i32 = -17;
export const XS_EISDIR: i32 = -21;
export const XS_EINVAL: i32 = -22;
export const XS_ENOSPC: i32 = -28;
export const XS_EROFS: i32 = -30;
export const XS_ENOSYS: i32 = -38;
export const XS_ENOTEMPTY: i32 = -39;
export const XS_EPROTO: i32 = -71;
export const XS_ETIMEDOUT: i32 = -110;
export const XS_EQUOTA: i32 = -122;

export function writeHeader(dst: usize, type: u32, reqId: u32, txId: u32, len: u32): void {
  store<u32>(dst, type);
  store<u32>(dst, reqId, 4);
  store<u32>(dst, txId, 8);
  store<u32>(dst, len, 12);
}

export function headerType(h: usize): u32 { return load<u32>(h); }
export function headerReqId(h: usize): u32 { return load<u32>(h, 4); }
export function headerTxId(h: usize): u32 { return load<u32>(h, 8); }
export function headerLen(h: usize): u32 { return load<u32>(h, 12); }

function is(p: usize, len: i32, s: string): bool {
  // the payload is the name, optionally NUL-terminated
  let n = len;
  if (n > 0 && load<u8>(p + <usize>(n - 1)) == 0) n--;
  if (n != s.length) return false;
  for (let i = 0; i < n; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** -errno for an XS_ERROR payload; unknown names are EIO. */
export function errorCode(p: usize, len: i32): i32 {
  if (is(p, len, "ENOENT")) return XS_ENOENT;
  if (is(p, len, "EAGAIN")) return XS_EAGAIN;
  if (is(p, len, "EINVAL")) return XS_EINVAL;
  if (is(p, len, "EACCES")) return XS_EACCES;
  if (is(p, len, "EEXIST")) return XS_EEXIST;
  if (is(p, len, "EISDIR")) return XS_EISDIR;
  if (is(p, len, "ENOSPC")) return XS_ENOSPC;
  if (is(p, len, "EIO")) return XS_EIO;
  if (is(p, len, "ENOTEMPTY")) return XS_ENOTEMPTY;
  if (is(p, len, "ENOSYS")) return XS_ENOSYS;
  if (is(p, len, "EROFS")) return XS_EROFS;
  if (is(p, len, "EBUSY")) return XS_EBUSY;
  if (is(p, len, "E2BIG")) return XS_E2BIG;
  if (is(p, len, "EPERM")) return XS_EPERM;
  if (is(p, len, "ENOMEM")) return XS_ENOMEM;
  if (is(p, len, "EQUOTA")) return XS_EQUOTA;
  return XS_EIO;
}
