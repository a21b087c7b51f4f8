// A fake "xen" import object for running the kernel's AssemblyScript in Node: intrinsics act
// on the instance's linear memory (at a pretend virtual address LINEAR_BASE) and on a sparse
// map of pretend virtual pages outside it; hypercalls go to handlers the test installs and
// are logged. An unexpected hypercall throws, so a test cannot pass by accident.

export const LINEAR_BASE = 0x40_0000n;

export type HypercallHandler = (args: bigint[], xen: FakeXen) => bigint;

export interface HypercallRecord {
  nr: number;
  args: bigint[];
}

export class FakeXen {
  instance!: WebAssembly.Instance;
  readonly log: HypercallRecord[] = [];
  readonly handlers = new Map<number, HypercallHandler>();
  /** Pretend virtual pages outside linear memory (page number -> 4 KiB). */
  readonly vaPages = new Map<bigint, Uint8Array>();
  tsc = 0n;
  /** CPUID answers: leaf -> [eax, ebx, ecx, edx]. Default: extended leaves up to
   *  0x80000001, which reports NX. */
  cpuidLeaves = new Map<number, number[]>([
    [0x8000_0000, [0x8000_0001, 0, 0, 0]],
    [0x8000_0001, [0, 0, 0, 1 << 20]],
  ]);
  /** image_layout_va answers: text end, rodata end, stack guard page. */
  imageLayout: bigint[] = [0x1f_0000n, 0x1f_8000n, 0x1f_f000n];
  startInfoVa = 0n;
  initialPages = 1;
  barriers = 0;
  /** Called on every barrier intrinsic: lets a test act as Xen between two reads. */
  onBarrier: (() => void) | undefined;
  /** Called on each `pause` (spin loops): lets a test act as the other side. */
  onPause: (() => void) | undefined;
  pauses = 0;
  console: string[] = [];

  private barrier(): void {
    this.barriers++;
    this.onBarrier?.();
  }

  get memory(): WebAssembly.Memory {
    return this.instance.exports.memory as WebAssembly.Memory;
  }
  get view(): DataView {
    return new DataView(this.memory.buffer);
  }
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Linear address for a virtual address inside linear memory, or -1. */
  linear(va: bigint): number {
    const off = va - LINEAR_BASE;
    if (off < 0n || off >= BigInt(this.memory.buffer.byteLength)) return -1;
    return Number(off);
  }

  /** When set, VAs outside linear memory are translated by it (a fake MMU); null = fault. */
  translate: ((va: bigint, write: boolean) => [Uint8Array, number] | null) | undefined;

  private vaByte(va: bigint, create: boolean): [Uint8Array, number] {
    const lin = this.linear(va);
    if (lin >= 0) return [this.bytes, lin];
    if (this.translate) {
      const t = this.translate(va, create);
      if (!t) throw new Error(`fake xen: page fault at VA 0x${va.toString(16)}`);
      return t;
    }
    const page = va >> 12n;
    let p = this.vaPages.get(page);
    if (!p) {
      if (!create) throw new Error(`fake xen: page fault at VA 0x${va.toString(16)}`);
      p = new Uint8Array(4096);
      this.vaPages.set(page, p);
    }
    return [p, Number(va & 0xfffn)];
  }

  vaRead(va: bigint, n: number): bigint {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) {
      const [b, o] = this.vaByte(va + BigInt(i), false);
      v = (v << 8n) | BigInt(b[o]);
    }
    return v;
  }

  vaWrite(va: bigint, n: number, v: bigint): void {
    for (let i = 0; i < n; i++) {
      const [b, o] = this.vaByte(va + BigInt(i), true);
      b[o] = Number((v >> BigInt(8 * i)) & 0xffn);
    }
  }

  /** Writes bytes into the pretend virtual space (creating pages). */
  vaFill(va: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.vaWrite(va + BigInt(i), 1, BigInt(data[i]));
  }

  on(nr: number, h: HypercallHandler): this {
    this.handlers.set(nr, h);
    return this;
  }

  imports(): WebAssembly.Imports {
    const u64 = (x: bigint) => BigInt.asUintN(64, x);
    const xen = {
      hypercall: (nr: number, a1: bigint, a2: bigint, a3: bigint, a4: bigint, a5: bigint): bigint => {
        const args = [a1, a2, a3, a4, a5].map(u64);
        this.log.push({ nr, args });
        const h = this.handlers.get(nr);
        if (!h) throw new Error(`fake xen: unexpected hypercall ${nr} (${args.map((a) => '0x' + a.toString(16)).join(', ')})`);
        return BigInt.asIntN(64, h(args, this));
      },
      mb: () => this.barrier(),
      rmb: () => this.barrier(),
      wmb: () => this.barrier(),
      pause: () => {
        this.pauses++;
        if (this.pauses > 1_000_000) throw new Error('fake xen: spinning forever');
        this.onPause?.();
      },
      rdtsc: () => this.tsc,
      cpuid: (leaf: number, _sub: number, out: number) => {
        const r = this.cpuidLeaves.get(leaf >>> 0) ?? [0, 0, 0, 0];
        for (let i = 0; i < 4; i++) this.view.setUint32(out + 4 * i, r[i] >>> 0, true);
      },
      rdrand_u64: () => 0,
      va_load_u8: (va: bigint) => Number(this.vaRead(u64(va), 1)),
      va_load_u16: (va: bigint) => Number(this.vaRead(u64(va), 2)),
      va_load_u32: (va: bigint) => Number(BigInt.asIntN(32, this.vaRead(u64(va), 4))),
      va_load_u64: (va: bigint) => BigInt.asIntN(64, this.vaRead(u64(va), 8)),
      va_store_u8: (va: bigint, v: number) => this.vaWrite(u64(va), 1, BigInt(v)),
      va_store_u16: (va: bigint, v: number) => this.vaWrite(u64(va), 2, BigInt(v)),
      va_store_u32: (va: bigint, v: number) => this.vaWrite(u64(va), 4, BigInt(v >>> 0)),
      va_store_u64: (va: bigint, v: bigint) => this.vaWrite(u64(va), 8, u64(v)),
      atomic_test_and_set_bit: (addr: number, bit: number) => {
        const w = this.view.getBigUint64(addr, true);
        const m = 1n << BigInt(bit & 63);
        this.view.setBigUint64(addr, w | m, true);
        return (w & m) !== 0n ? 1 : 0;
      },
      atomic_test_and_clear_bit: (addr: number, bit: number) => {
        const w = this.view.getBigUint64(addr, true);
        const m = 1n << BigInt(bit & 63);
        this.view.setBigUint64(addr, w & ~m, true);
        return (w & m) !== 0n ? 1 : 0;
      },
      atomic_xchg_u32: (addr: number, v: number) => {
        const old = this.view.getInt32(addr, true);
        this.view.setInt32(addr, v, true);
        return old;
      },
      atomic_xchg_u64: (addr: number, v: bigint) => {
        const old = this.view.getBigInt64(addr, true);
        this.view.setBigInt64(addr, v, true);
        return old;
      },
      atomic_cmpxchg_u16: (addr: number, expected: number, repl: number) => {
        const old = this.view.getUint16(addr, true);
        if (old === (expected & 0xffff)) this.view.setUint16(addr, repl & 0xffff, true);
        return old;
      },
      atomic_cmpxchg_u32: (addr: number, expected: number, repl: number) => {
        const old = this.view.getInt32(addr, true);
        if (old === expected) this.view.setInt32(addr, repl, true);
        return old;
      },
      atomic_cmpxchg_u64: (addr: number, expected: bigint, repl: bigint) => {
        const old = this.view.getBigInt64(addr, true);
        if (old === expected) this.view.setBigInt64(addr, repl, true);
        return old;
      },
      linear_base: () => LINEAR_BASE,
      linear_initial_pages: () => this.initialPages,
      start_info_va: () => this.startInfoVa,
      scratch_va: () => 0x1f_e000n,
      image_layout_va: (which: number) => this.imageLayout[which] ?? 0n,
      runtime_entry_va: (which: number) => (which <= 19 || which === 32 || which === 33 ? 0x10_0000n + BigInt(which) * 64n : 0n),
      native_stack_lo: () => 0x20_0000n,
      native_stack_hi: () => 0x30_0000n,
      image_end_va: () => LINEAR_BASE + BigInt(this.initialPages) * 65536n,
      code_func_index: (rip: bigint) => (rip >= 0x10_0000n && rip < 0x20_0000n ? Number((rip - 0x10_0000n) >> 8n) : -1),
      code_func_name: (index: number, dst: number, max: number) => {
        const name = new TextEncoder().encode(`fn${index}`);
        const n = Math.min(name.length, max);
        this.bytes.set(name.subarray(0, n), dst);
        return n;
      },
    };
    return {
      xen,
      env: {
        abort: (msg: number, file: number, line: number, col: number) => {
          throw new Error(`abort: ${this.string(msg)} at ${this.string(file)}:${line}:${col}`);
        },
      },
    };
  }

  /** Reads an AssemblyScript string (UTF-16, length in the header) from linear memory. */
  string(ptr: number): string {
    if (!ptr) return '(null)';
    const len = this.view.getUint32(ptr - 4, true);
    return Buffer.from(this.memory.buffer, ptr, len).toString('utf16le');
  }

  async instantiate(wasm: Uint8Array): Promise<WebAssembly.Instance> {
    const module = await WebAssembly.compile(new Uint8Array(wasm));
    const instance = await WebAssembly.instantiate(module, this.imports());
    this.instance = instance;
    return instance;
  }

  exports<T = Record<string, (...args: never[]) => unknown>>(): T {
    return this.instance.exports as T;
  }
}
