// Slot indices of the objects the VM reads and writes (Squeak's layouts, docs/image-format.md §6)
// and of the method header. The special-object indices live in vm/objmem/constants.ts.

// Context
export const CTX_SENDER: usize = 0;
export const CTX_PC: usize = 1;
export const CTX_STACKP: usize = 2;
export const CTX_METHOD: usize = 3;
export const CTX_CLOSURE: usize = 4;
export const CTX_RECEIVER: usize = 5;
export const CTX_TEMP0: usize = 6;
export const SMALL_FRAME: usize = 16;   // temps + stack of a method without largeFrame
export const LARGE_FRAME: usize = 56;
export const LARGE_CONTEXT_SLOTS: usize = CTX_TEMP0 + LARGE_FRAME;

// BlockClosure / FullBlockClosure
export const CLOSURE_OUTER: usize = 0;
export const CLOSURE_STARTPC: usize = 1;     // BlockClosure
export const CLOSURE_METHOD: usize = 1;      // FullBlockClosure: the CompiledBlock
export const CLOSURE_NUMARGS: usize = 2;
export const CLOSURE_COPIED: usize = 3;       // BlockClosure's first copied value
export const FULL_CLOSURE_RECEIVER: usize = 3;
export const FULL_CLOSURE_COPIED: usize = 4;

// Process, ProcessorScheduler, LinkedList, Semaphore
export const LINK_NEXT: usize = 0;
export const PROC_SUSPENDED_CONTEXT: usize = 1;
export const PROC_PRIORITY: usize = 2;
export const PROC_MY_LIST: usize = 3;
export const SCHED_LISTS: usize = 0;
export const SCHED_ACTIVE: usize = 1;
export const LIST_FIRST: usize = 0;
export const LIST_LAST: usize = 1;
export const SEMA_EXCESS: usize = 2;

// Behavior, MethodDictionary, Association, Message, Point
export const CLASS_SUPERCLASS: usize = 0;
export const CLASS_METHOD_DICT: usize = 1;
export const CLASS_FORMAT: usize = 2;
export const CLASS_NAME: usize = 6;          // Class; a Metaclass has thisClass at 5
export const METACLASS_THIS_CLASS: usize = 5;
export const MDICT_TALLY: usize = 0;
export const MDICT_ARRAY: usize = 1;
export const MDICT_SELECTORS: usize = 2;
export const ASSOC_KEY: usize = 0;
export const ASSOC_VALUE: usize = 1;
export const MSG_SELECTOR: usize = 0;
export const MSG_ARGS: usize = 1;
export const MSG_LOOKUP_CLASS: usize = 2;
export const POINT_X: usize = 0;
export const POINT_Y: usize = 1;

// CompiledMethod header (the SmallInteger value in slot 0)
// @ts-ignore: decorator
@inline export function hdrNumLiterals(h: i64): i32 { return <i32>(h & 0x7FFF); }
// @ts-ignore: decorator
@inline export function hdrHasPrimitive(h: i64): bool { return (h & 0x10000) != 0; }
// @ts-ignore: decorator
@inline export function hdrLargeFrame(h: i64): bool { return (h & 0x20000) != 0; }
// @ts-ignore: decorator
@inline export function hdrNumTemps(h: i64): i32 { return <i32>((h >> 18) & 0x3F); }
// @ts-ignore: decorator
@inline export function hdrNumArgs(h: i64): i32 { return <i32>((h >> 24) & 0xF); }
/** SistaV1 when the header is negative (sign bit), V3PlusClosures otherwise. */
// @ts-ignore: decorator
@inline export function hdrIsSista(h: i64): bool { return h < 0; }

// Primitive failure codes (VMMaker's PrimErr*; index into the primitive error table, 1-based)
export const PRIM_OK: i32 = 0;
export const ERR_GENERIC: i32 = 1;
export const ERR_BAD_RECEIVER: i32 = 2;
export const ERR_BAD_ARGUMENT: i32 = 3;
export const ERR_BAD_INDEX: i32 = 4;
export const ERR_BAD_NUM_ARGS: i32 = 5;
export const ERR_INAPPROPRIATE: i32 = 6;
export const ERR_UNSUPPORTED: i32 = 7;
export const ERR_NO_MODIFICATION: i32 = 8;
export const ERR_NO_MEMORY: i32 = 9;
export const ERR_NOT_FOUND: i32 = 11;
export const ERR_BAD_METHOD: i32 = 12;
export const ERR_LIMIT_EXCEEDED: i32 = 15;
export const ERR_OS_ERROR: i32 = 21;
export const ERR_OPERATION_FAILED: i32 = 24;
