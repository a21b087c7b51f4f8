// The WASI preview 1 imports the `linux` platform uses; the AOT compiler binds each to a Linux
// system-call routine (build/runtime/linux/wasi.ts, wasi-io.ts). Signatures from the witx.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovs_len: u32, nwritten: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovs_len: u32, nread: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_seek")
export declare function fd_seek(fd: u32, offset: i64, whence: u32, newoffset: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_close")
export declare function fd_close(fd: u32): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_fdstat_get")
export declare function fd_fdstat_get(fd: u32, stat: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_open")
export declare function path_open(
  dirfd: u32, dirflags: u32, path: usize, path_len: u32, oflags: u32,
  rights_base: u64, rights_inheriting: u64, fdflags: u32, fd: usize,
): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "poll_oneoff")
export declare function poll_oneoff(subs: usize, events: usize, nsubs: u32, nevents: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function clock_time_get(id: u32, precision: u64, time: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
export declare function random_get(buf: usize, len: u32): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_sizes_get")
export declare function args_sizes_get(count: usize, size: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_get")
export declare function args_get(argv: usize, buf: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;

/** This runtime preopens nothing: the working directory is AT_FDCWD, as for openat. */
export const DIR_CWD: u32 = 0xffffff9c;
export const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
export const OFLAGS_CREAT: u32 = 1;
export const OFLAGS_TRUNC: u32 = 8;
export const RIGHT_FD_READ: u64 = 0x2;
export const RIGHT_FD_SEEK: u64 = 0x4;
export const RIGHT_FD_WRITE: u64 = 0x40;
export const FILETYPE_DIRECTORY: u8 = 3;
export const WHENCE_SET: u32 = 0;
export const WHENCE_END: u32 = 2;
export const CLOCK_REALTIME: u32 = 0;
export const CLOCK_MONOTONIC: u32 = 1;
export const ERRNO_AGAIN: u16 = 6;
export const ERRNO_INTR: u16 = 27;
