// A small interpreter for the stub operations, used by the tests to check the stubs
// against Xen's frame layouts without a CPU: registers and a sparse qword stack.

import type { Operand, Reg, Stub } from './stubs.ts';

export interface SimCall {
  name: string;
  args: bigint[];
  rsp: bigint;
}

export interface SimResult {
  regs: Map<Reg, bigint>;
  mem: Map<bigint, bigint>;
  calls: SimCall[];
  end: { kind: 'ud2' } | { kind: 'hypercall'; nr: number; rsp: bigint };
  /** How many calls had been made when the stub dropped the stack limit (trapStackLimit),
   *  or null when it did not. */
  stackLimitDroppedAt: number | null;
}

const MASK = (1n << 64n) - 1n;

export function simulate(
  stub: Stub,
  regs: Map<Reg, bigint>,
  mem: Map<bigint, bigint>,
  onCall: (c: SimCall, regs: Map<Reg, bigint>) => void = () => {},
  symbols: Record<string, bigint> = {},
): SimResult {
  const calls: SimCall[] = [];
  let stackLimitDroppedAt: number | null = null;
  const get = (r: Reg) => regs.get(r) ?? 0n;
  const read = (a: bigint) => {
    if ((a & 7n) !== 0n) throw new Error(`misaligned qword read at 0x${a.toString(16)}`);
    const v = mem.get(a);
    if (v === undefined) throw new Error(`read of unwritten stack slot 0x${a.toString(16)}`);
    return v;
  };
  const val = (x: Operand): bigint => {
    switch (x.kind) {
      case 'reg': return get(x.reg);
      case 'mem': return read((get(x.base) + BigInt(x.disp)) & MASK);
      case 'imm': return x.value & MASK;
      case 'symbol': {
        const s = symbols[x.name];
        if (s === undefined) throw new Error(`unknown symbol ${x.name}`);
        return s;
      }
    }
  };
  for (const op of stub.ops) {
    switch (op.op) {
      case 'mov':
        if (op.dst.kind === 'reg') regs.set(op.dst.reg, val(op.src));
        else if (op.dst.kind === 'mem') mem.set((get(op.dst.base) + BigInt(op.dst.disp)) & MASK, val(op.src));
        else throw new Error('mov to a non-location');
        break;
      case 'lea': regs.set(op.dst, val(op.src)); break;
      case 'add': regs.set(op.dst, (get(op.dst) + BigInt(op.value)) & MASK); break;
      case 'and': regs.set(op.dst, get(op.dst) & (BigInt(op.value) & MASK)); break;
      case 'xor32': regs.set(op.dst, 0n); break;
      case 'push': {
        const v = val(op.src);
        regs.set('rsp', get('rsp') - 8n);
        mem.set(get('rsp'), v);
        break;
      }
      case 'pop': {
        const v = read(get('rsp'));
        regs.set('rsp', get('rsp') + 8n);
        regs.set(op.dst, v);
        break;
      }
      case 'callExport': {
        if ((get('rsp') & 15n) !== 0n) throw new Error(`call ${op.name} with rsp not 16-byte aligned`);
        const c = { name: op.name, args: op.args.map(val), rsp: get('rsp') };
        calls.push(c);
        onCall(c, regs);
        if (op.result) regs.set(op.result, regs.get('rax') ?? 0n);
        break;
      }
      case 'callStart': calls.push({ name: '<start>', args: [], rsp: get('rsp') }); break;
      case 'compilerSetup': break;
      case 'trapStackLimit': stackLimitDroppedAt = calls.length; break;
      case 'ud2': return { regs, mem, calls, end: { kind: 'ud2' }, stackLimitDroppedAt };
      case 'jmpHypercall': return { regs, mem, calls, end: { kind: 'hypercall', nr: op.nr, rsp: get('rsp') }, stackLimitDroppedAt };
    }
  }
  throw new Error(`${stub.name} falls off its end`);
}
