// A bytecode interpreter: a small stack VM (one i32 word per opcode or operand, a switch-based
// dispatch loop, locals and an operand stack in linear memory) running two loop-heavy programs:
// a multiplicative hash over a sequence and the total Collatz path length below a bound. Each
// VM result is checked against the same computation written directly in AssemblyScript.
import { check, flush, print, printU64 } from "./lib/wasi";
import { reserve } from "./lib/heap";

// Opcodes.
const HALT = 0, PUSH = 1, GET = 2, SET = 3, ADD = 4, SUB = 5, MUL = 6, AND = 7, XOR = 8,
  SHRU = 9, SHL = 10, LTU = 11, EQ = 12, NE = 13, JZ = 14, JNZ = 15, JMP = 16, DUP = 17, DROP = 18, INC = 19;

const HASH_N: u32 = 3_000_000;
const COLLATZ_N: u32 = 60_000;

let code: usize = 0;
let codeLen: i32 = 0;

function op(o: i32): void {
  store<i32>(code + <usize>(codeLen << 2), o);
  codeLen++;
}
function op1(o: i32, arg: i32): void {
  op(o);
  op(arg);
}
/** Emits a jump with an unknown target; returns the operand's index for patch(). */
function jump(o: i32): i32 {
  op1(o, -1);
  return codeLen - 1;
}
function patch(at: i32, target: i32): void {
  store<i32>(code + <usize>(at << 2), target);
}

/** Runs the code from `entry` (jump targets are word indices into `program`); returns the value
 *  on top of the stack at HALT. */
function run(program: usize, entry: usize, locals: usize, stack: usize): u32 {
  let pc: usize = entry;
  let sp: usize = stack; // points at the next free slot
  while (true) {
    const o = load<i32>(pc);
    pc += 4;
    switch (o) {
      case PUSH: store<u32>(sp, load<u32>(pc)); pc += 4; sp += 4; break;
      case GET: store<u32>(sp, load<u32>(locals + (<usize>load<i32>(pc) << 2))); pc += 4; sp += 4; break;
      case SET: sp -= 4; store<u32>(locals + (<usize>load<i32>(pc) << 2), load<u32>(sp)); pc += 4; break;
      case INC: { const a = locals + (<usize>load<i32>(pc) << 2); store<u32>(a, load<u32>(a) + 1); pc += 4; break; }
      case ADD: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) + load<u32>(sp)); break;
      case SUB: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) - load<u32>(sp)); break;
      case MUL: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) * load<u32>(sp)); break;
      case AND: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) & load<u32>(sp)); break;
      case XOR: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) ^ load<u32>(sp)); break;
      case SHRU: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) >>> (load<u32>(sp) & 31)); break;
      case SHL: sp -= 4; store<u32>(sp - 4, load<u32>(sp - 4) << (load<u32>(sp) & 31)); break;
      case LTU: sp -= 4; store<u32>(sp - 4, <u32>(load<u32>(sp - 4) < load<u32>(sp))); break;
      case EQ: sp -= 4; store<u32>(sp - 4, <u32>(load<u32>(sp - 4) == load<u32>(sp))); break;
      case NE: sp -= 4; store<u32>(sp - 4, <u32>(load<u32>(sp - 4) != load<u32>(sp))); break;
      case JZ: sp -= 4; pc = load<u32>(sp) == 0 ? program + (<usize>load<i32>(pc) << 2) : pc + 4; break;
      case JNZ: sp -= 4; pc = load<u32>(sp) != 0 ? program + (<usize>load<i32>(pc) << 2) : pc + 4; break;
      case JMP: pc = program + (<usize>load<i32>(pc) << 2); break;
      case DUP: store<u32>(sp, load<u32>(sp - 4)); sp += 4; break;
      case DROP: sp -= 4; break;
      case HALT: return load<u32>(sp - 4);
      default: unreachable();
    }
  }
}

// locals: 0 = i, 1 = acc, 2 = n, 3 = x, 4 = total
function hashProgram(): usize {
  const start = codeLen;
  op1(PUSH, 0); op1(SET, 0);
  op1(PUSH, 17); op1(SET, 1);
  const loop = codeLen;
  op1(GET, 0); op1(PUSH, <i32>HASH_N); op(LTU);
  const exit = jump(JZ);
  // acc = acc * 31 + (i ^ (i >>> 3)) ^ (acc >>> 13)
  op1(GET, 1); op1(PUSH, 31); op(MUL);
  op1(GET, 0); op(DUP); op1(PUSH, 3); op(SHRU); op(XOR);
  op(ADD);
  op1(GET, 1); op1(PUSH, 13); op(SHRU); op(XOR);
  op1(SET, 1);
  op1(INC, 0);
  op1(JMP, loop);
  patch(exit, codeLen);
  op1(GET, 1); op(HALT);
  return code + <usize>(start << 2);
}

function hashDirect(): u32 {
  let acc: u32 = 17;
  for (let i: u32 = 0; i < HASH_N; i++) acc = ((acc * 31 + (i ^ (i >>> 3))) ^ (acc >>> 13));
  return acc;
}

function collatzProgram(): usize {
  const start = codeLen;
  op1(PUSH, 0); op1(SET, 4);
  op1(PUSH, 1); op1(SET, 2);
  const outer = codeLen;
  op1(GET, 2); op1(PUSH, <i32>COLLATZ_N); op(LTU);
  const done = jump(JZ);
  op1(GET, 2); op1(SET, 3);
  const inner = codeLen;
  op1(GET, 3); op1(PUSH, 1); op(NE);
  const next = jump(JZ);
  op1(GET, 3); op1(PUSH, 1); op(AND);
  const even = jump(JZ);
  op1(GET, 3); op1(PUSH, 3); op(MUL); op1(PUSH, 1); op(ADD); op1(SET, 3);
  const joined = jump(JMP);
  patch(even, codeLen);
  op1(GET, 3); op1(PUSH, 1); op(SHRU); op1(SET, 3);
  patch(joined, codeLen);
  op1(INC, 4);
  op1(JMP, inner);
  patch(next, codeLen);
  op1(INC, 2);
  op1(JMP, outer);
  patch(done, codeLen);
  op1(GET, 4); op(HALT);
  return code + <usize>(start << 2);
}

function collatzDirect(): u32 {
  let total: u32 = 0;
  for (let n: u32 = 1; n < COLLATZ_N; n++) {
    let x = n;
    while (x != 1) {
      x = (x & 1) != 0 ? x * 3 + 1 : x >>> 1;
      total++;
    }
  }
  return total;
}

export function _start(): void {
  code = reserve(4096);
  const locals = reserve(64);
  const stack = reserve(4096);
  const hashCode = hashProgram();
  const collatzCode = collatzProgram();
  const h = run(code, hashCode, locals, stack);
  check(h == hashDirect(), "hash program");
  const c = run(code, collatzCode, locals, stack);
  check(c == collatzDirect(), "collatz program");
  print("interp: hash=");
  printU64(h);
  print(" collatz=");
  printU64(c);
  print("\n");
  flush();
}
