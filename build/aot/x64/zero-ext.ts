// What the encoder knows about the instructions just emitted, so that Assembler.movRR can leave
// out a `mov r32, r32` whose only effect (zeroing bits 32..63) is already done: x86-64 zeroes
// them on every write of a 32-bit register (Intel SDM vol. 1, 3.4.1.1). wasm's i32.wrap_i64 and
// the i32 reads of i64-masked values emit such movs after `and r64, imm`, movzx or a 32-bit op;
// after a 64-bit copy (`mov r64, r64` or a frame-slot load) the copy itself shrinks to 32 bits.

export interface ZxState {
  /** The register whose bits 32..63 are zero at code position `end` (-1: none). */
  reg: number;
  end: number;
  /** A 64-bit copy into movDst (from a register or a frame slot) occupies [movStart, movEnd);
   *  mov32 emits its 32-bit form. */
  movStart: number;
  movEnd: number;
  movDst: number;
  mov32?: () => void;
  /** Assembler.binds when recorded: a label bound since means other code flows in. */
  binds: number;
}

export const newZxState = (): ZxState => ({ reg: -1, end: -1, movStart: -1, movEnd: -1, movDst: -1, binds: -1 });
