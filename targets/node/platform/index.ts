// The platform interface, `node` target: each call is an import the JS host supplies
// (build/targets/node-host.ts). Guest code imports these names from "platform"; asc is
// given `--path targets/<target>` so the same source binds to the right implementation.
// Keep the three implementations (node, linux, xen) in step with docs/platform.md.

// @ts-ignore: decorator
@external("xenolith", "console_write")
export declare function console_write(ptr: usize, len: i32): void;

// Non-blocking: bytes copied (0 when none is waiting), or -1 at end of input.
// @ts-ignore: decorator
@external("xenolith", "console_read")
export declare function console_read(ptr: usize, max: i32): i32;

// Nanoseconds on a clock that never goes back, from an arbitrary origin.
// @ts-ignore: decorator
@external("xenolith", "clock_monotonic_ns")
export declare function clock_monotonic_ns(): i64;

// Nanoseconds since the Unix epoch (UTC).
// @ts-ignore: decorator
@external("xenolith", "clock_wall_ns")
export declare function clock_wall_ns(): i64;

// Block until an external event (console input, a signalled external semaphore) or until
// the monotonic clock reaches deadline_ns; returns at once when something is pending.
// deadline_ns < 0 means no deadline.
// @ts-ignore: decorator
@external("xenolith", "wait_event")
export declare function wait_event(deadline_ns: i64): void;

// The index of an external semaphore signalled since the last call, or -1.
// @ts-ignore: decorator
@external("xenolith", "next_signal")
export declare function next_signal(): i32;

// From now on signal external semaphore `index` (1-based; 0 stops) whenever console input is
// waiting: 0 when the platform will, -1 when input can only be polled (console_read between
// waits). The node host has no input events: readers poll.
export function console_input_signal(index: i32): i32 {
  return -1;
}

// The boot image (Smalltalk image, embedded or passed as a module/file): its size, and a copy
// of len bytes from offset into linear memory; returns bytes copied.
// @ts-ignore: decorator
@external("xenolith", "image_size")
export declare function image_size(): i64;

// @ts-ignore: decorator
@external("xenolith", "image_read")
export declare function image_read(dst: usize, offset: i64, len: i32): i32;

// Write len bytes to the output image (snapshot); offset 0 truncates. Returns bytes written or -1.
// @ts-ignore: decorator
@external("xenolith", "snapshot_write")
export declare function snapshot_write(src: usize, offset: i64, len: i32): i32;

// Fill len bytes with cryptographically random data.
// @ts-ignore: decorator
@external("xenolith", "random_fill")
export declare function random_fill(ptr: usize, len: i32): void;

// The command line / boot arguments as UTF-8: size, then copy.
// @ts-ignore: decorator
@external("xenolith", "args_size")
export declare function args_size(): i32;

// @ts-ignore: decorator
@external("xenolith", "args_read")
export declare function args_read(dst: usize, max: i32): i32;

// Normal end: flush the console and stop with this status (poweroff on Xen). Never returns.
// @ts-ignore: decorator
@external("xenolith", "exit")
export declare function exit(status: i32): void;

// Abnormal end: print the message as a crash report and stop (shutdown reason crash on Xen).
// @ts-ignore: decorator
@external("xenolith", "crash")
export declare function crash(msg: usize, len: i32): void;
