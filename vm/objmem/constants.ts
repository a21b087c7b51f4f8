// 64-bit Spur constants: header bit fields, formats, class-index puns, special-object indices,
// as OpenSmalltalk's Spur64BitMemoryManager defines them (see docs/objmem-api.md).

/** An object pointer: the 64-bit Spur word. Heap objects are linear-memory addresses
 *  (8-byte aligned, low 3 bits 0); immediates carry a tag in the low 3 bits. 0 is never an
 *  object and is the failure answer of allocation. */
export type oop = u64;

// ---- immediates
export const TAG_MASK: u64 = 7;
export const SMALLINT_TAG: u64 = 1;
export const CHARACTER_TAG: u64 = 2;
export const SMALLFLOAT_TAG: u64 = 4;
export const SMALLINT_MIN: i64 = -(1 << 60);
export const SMALLINT_MAX: i64 = (1 << 60) - 1;
export const CHARACTER_MAX: u32 = 0x3FFFFFFF;
export const SMALLFLOAT_EXPONENT_OFFSET: u64 = 896;
export const SMALLFLOAT_MANTISSA_BITS: u64 = 52;

// ---- header word
export const CLASS_INDEX_MASK: u64 = 0x3FFFFF;       // bits 0-21
export const IMMUTABLE_BIT: u64 = 1 << 23;
export const FORMAT_SHIFT: u64 = 24;                   // bits 24-28
export const FORMAT_MASK: u64 = 0x1F;
export const REMEMBERED_BIT: u64 = 1 << 29;
export const PINNED_BIT: u64 = 1 << 30;
export const GREY_BIT: u64 = 1 << 31;
export const HASH_SHIFT: u64 = 32;                     // bits 32-53
export const HASH_MASK: u64 = 0x3FFFFF;
export const MARKED_BIT: u64 = 1 << 55;
export const NUM_SLOTS_SHIFT: u64 = 56;                // bits 56-63
export const NUM_SLOTS_MASK: u64 = 0xFF;
export const OVERFLOW_SLOTS: u64 = 255;
export const OVERFLOW_COUNT_MASK: u64 = 0x00FFFFFFFFFFFFFF;
export const BASE_HEADER_SIZE: usize = 8;
export const ALLOCATION_UNIT: usize = 8;
export const BRIDGE_SIZE: usize = 16;

// ---- formats
export const FMT_ZERO_SIZED: u32 = 0;
export const FMT_FIXED: u32 = 1;
export const FMT_INDEXABLE: u32 = 2;
export const FMT_FIXED_INDEXABLE: u32 = 3;
export const FMT_WEAK: u32 = 4;
export const FMT_EPHEMERON: u32 = 5;
export const FMT_FORWARDED: u32 = 7;
export const FMT_64BIT: u32 = 9;
export const FMT_32BIT: u32 = 10;   // 10-11
export const FMT_16BIT: u32 = 12;   // 12-15
export const FMT_8BIT: u32 = 16;    // 16-23
export const FMT_COMPILED_METHOD: u32 = 24; // 24-31

// ---- class-index puns
export const CI_FREE: u32 = 0;
export const CI_SMALLINTEGER: u32 = 1;
export const CI_CHARACTER: u32 = 2;
export const CI_BRIDGE: u32 = 3;
export const CI_SMALLFLOAT: u32 = 4;
export const CI_FORWARDED: u32 = 8;
export const CI_ARRAY_PUN: u32 = 16;
export const CI_WEAK_ARRAY_PUN: u32 = 17;
export const CI_32BIT_PUN: u32 = 18;
export const CI_64BIT_PUN: u32 = 19;
export const CI_LAST_PUN: u32 = 31;
export const CI_FIRST_FREE_SEARCH: u32 = 1024; // new classes are entered from page 1 on

// ---- class table / hidden roots
export const CLASS_TABLE_PAGE_SIZE: u32 = 1024;
export const CLASS_TABLE_MAJOR_SHIFT: u32 = 10;
export const CLASS_TABLE_ROOT_SLOTS: u32 = 4096;
export const HIDDEN_ROOT_SLOTS: u32 = 8;
export const NUM_FREE_LISTS: u32 = 64;

// ---- Behavior layout (Squeak/Pharo): superclass, methodDict, format
export const CLASS_SUPERCLASS: i32 = 0;
export const CLASS_METHOD_DICT: i32 = 1;
export const CLASS_FORMAT: i32 = 2;

// ---- special objects array indices (0-based)
export const SO_NIL: i32 = 0;
export const SO_FALSE: i32 = 1;
export const SO_TRUE: i32 = 2;
export const SO_SCHEDULER_ASSOCIATION: i32 = 3;
export const SO_CLASS_BITMAP: i32 = 4;
export const SO_CLASS_SMALLINTEGER: i32 = 5;
export const SO_CLASS_BYTESTRING: i32 = 6;
export const SO_CLASS_ARRAY: i32 = 7;
export const SO_SMALLTALK_DICTIONARY: i32 = 8;
export const SO_CLASS_FLOAT: i32 = 9;
export const SO_CLASS_METHOD_CONTEXT: i32 = 10;
export const SO_CLASS_POINT: i32 = 12;
export const SO_CLASS_LARGE_POSITIVE_INTEGER: i32 = 13;
export const SO_CLASS_MESSAGE: i32 = 15;
export const SO_CLASS_COMPILED_METHOD: i32 = 16;
export const SO_LOW_SPACE_SEMAPHORE: i32 = 17;
export const SO_CLASS_SEMAPHORE: i32 = 18;
export const SO_CLASS_CHARACTER: i32 = 19;
export const SO_SELECTOR_DOES_NOT_UNDERSTAND: i32 = 20;
export const SO_SELECTOR_CANNOT_RETURN: i32 = 21;
export const SO_PROCESS_SIGNALING_LOW_SPACE: i32 = 22;
export const SO_SPECIAL_SELECTORS: i32 = 23;
export const SO_CHARACTER_TABLE: i32 = 24;
export const SO_SELECTOR_MUST_BE_BOOLEAN: i32 = 25;
export const SO_CLASS_BYTEARRAY: i32 = 26;
export const SO_CLASS_PROCESS: i32 = 27;
export const SO_COMPACT_CLASSES: i32 = 28;
export const SO_TIMER_SEMAPHORE: i32 = 29;
export const SO_INTERRUPT_SEMAPHORE: i32 = 30;
export const SO_SELECTOR_CANNOT_INTERPRET: i32 = 34;
export const SO_CLASS_BLOCK_CLOSURE: i32 = 36;
export const SO_CLASS_FULL_BLOCK_CLOSURE: i32 = 37;
export const SO_EXTERNAL_OBJECTS_ARRAY: i32 = 38;
export const SO_CLASS_MUTEX: i32 = 39;
export const SO_PROCESS_IN_EXTERNAL_CODE_TAG: i32 = 40;
export const SO_THE_FINALIZATION_SEMAPHORE: i32 = 41;
export const SO_CLASS_LARGE_NEGATIVE_INTEGER: i32 = 42;
export const SO_CLASS_EXTERNAL_ADDRESS: i32 = 43;
export const SO_SELECTOR_ABOUT_TO_RETURN: i32 = 48;
export const SO_SELECTOR_RUN_WITH_IN: i32 = 49;
export const SO_SELECTOR_ATTEMPT_TO_ASSIGN: i32 = 50;
export const SO_PRIM_ERR_TABLE: i32 = 51;
export const SO_CLASS_ALIEN: i32 = 52;
export const SO_INVOKE_CALLBACK_SELECTOR: i32 = 53;
export const SO_CLASS_UNSAFE_ALIEN: i32 = 54;
export const SO_CLASS_WEAK_FINALIZER: i32 = 55;
export const SO_FOREIGN_CALLBACK_PROCESS: i32 = 56;
export const SO_SELECTOR_UNKNOWN_BYTECODE: i32 = 57;
export const SO_SELECTOR_COUNTER_TRIPPED: i32 = 58;
export const SO_SELECTOR_SISTA_TRAP: i32 = 59;

// ---- image file
export const IMAGE_MAGIC_64: u32 = 68021;
export const IMAGE_MAGIC_64_MULTI: u32 = 68533;
export const IMAGE_MAGIC_32: u32 = 6521;
export const IMAGE_MAGIC_32_MULTI: u32 = 7033;
export const IMAGE_HEADER_SIZE: u32 = 128;
