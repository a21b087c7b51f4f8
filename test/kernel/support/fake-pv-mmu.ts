// A fake Xen PV domain for boot tests: machine frames, a p2m that is not the identity, the
// M2P, and boot page tables built the way Xen's domain builder lays out a PV guest (image,
// then p2m list, start_info, xenstore page, console page, page tables, boot stack, padding
// to a 4 MiB boundary with at least 512 KiB). mmu_update / update_va_mapping / mmuext_op
// follow Xen's rules that matter here: an entry can only be written in a page-table frame,
// a frame referenced as a table must have no writable mapping, and a frame that is a table
// can never be mapped writable. Linear memory itself is the wasm instance's memory (the
// fake does not re-route it), but its PTEs are tracked, so tests check what was mapped.

import { FakeXen, LINEAR_BASE } from './fake-xen.ts';

const PAGE = 4096n;
const P = 1n, RW = 2n;
const ADDR = 0x000f_ffff_ffff_f000n;
export const M2P_VA = 0xffff_8000_0000_0000n;
const EINVAL = -22n;

export interface PvLayout {
  nrPages: number;
  p2mVa: bigint;
  startInfoVa: bigint;
  storePfn: number;
  consolePfn: number;
  ptBase: bigint;
  nrPtFrames: number;
  stackPfn: number;
  bootEnd: bigint; // first VA after the boot mapping
  sharedInfoMfn: bigint;
  modVa: bigint;
  modLen: number;
}

export class FakePvDomain {
  frames = new Map<bigint, Uint8Array>();
  p2m: bigint[] = [];
  m2p = new Map<bigint, bigint>();
  cr3 = 0n;
  tables = new Set<bigint>(); // frames in use as page tables
  layout!: PvLayout;
  violations: string[] = [];
  shutdownReason: number | undefined;
  consoleIo = '';
  grantFrames: bigint[] = [];
  trapTable: { vector: number; flags: number; cs: number; address: bigint }[] = [];
  callbacks: bigint[] = [];
  /** vcpus whose periodic timer the kernel stopped (VCPUOP_stop_periodic_timer) */
  periodicStopped: number[] = [];

  /** `tight`: the domain has exactly the frames of the boot mapping (as a 4 MiB domain has
   *  under Xen's 4 MiB-boundary layout): the padding is all the frame pool gets. */
  constructor(public xen: FakeXen, public opts: { nrPages?: number; modLen?: number; dom0?: boolean; tight?: boolean } = {}) {}

  /** The first pfn after the boot mapping Xen's builder lays out for a domain of `nrPages`. */
  static bootEndPfn(imagePages: number, modLen: number, nrPages: number): number {
    const beforeTables = imagePages + Math.ceil(modLen / 4096) + Math.ceil((nrPages * 8) / 4096) + 3;
    const provisional = beforeTables + 3 + 8 + 1;
    return Math.ceil((provisional * 4096 + 512 * 1024) / (4 << 20)) * ((4 << 20) / 4096);
  }

  frame(mfn: bigint): Uint8Array {
    let f = this.frames.get(mfn);
    if (!f) { f = new Uint8Array(4096); this.frames.set(mfn, f); }
    return f;
  }
  entry(mfn: bigint, i: number): bigint {
    return new DataView(this.frame(mfn).buffer).getBigUint64(i * 8, true);
  }
  setEntry(mfn: bigint, i: number, v: bigint): void {
    new DataView(this.frame(mfn).buffer).setBigUint64(i * 8, BigInt.asUintN(64, v), true);
  }

  /** The PTE mapping `va`, or undefined when some level is not present. */
  walk(va: bigint): { pte: bigint; l1: bigint; index: number } | undefined {
    let mfn = this.cr3;
    for (let level = 4; level >= 1; level--) {
      const idx = Number((va >> BigInt(12 + 9 * (level - 1))) & 511n);
      const e = this.entry(mfn, idx);
      if (level === 1) return { pte: e, l1: mfn, index: idx };
      if (!(e & P)) return undefined;
      mfn = (e & ADDR) >> 12n;
    }
    return undefined;
  }

  mfnOfVa(va: bigint): bigint | undefined {
    const w = this.walk(va);
    return w && w.pte & P ? (w.pte & ADDR) >> 12n : undefined;
  }

  /** Writable mappings of `mfn` anywhere in the live tables. */
  writableMappings(mfn: bigint): number {
    let n = 0;
    for (const t of this.tables) {
      if (!this.l1s.has(t)) continue;
      for (let i = 0; i < 512; i++) {
        const e = this.entry(t, i);
        if (e & P && e & RW && (e & ADDR) >> 12n === mfn) n++;
      }
    }
    return n;
  }
  l1s = new Set<bigint>();

  /** Xen's checks for writing `val` at index `i` of table `table`. */
  write(table: bigint, i: number, val: bigint): bigint {
    if (!this.tables.has(table)) { this.violations.push(`write to non-table frame ${table}`); return EINVAL; }
    const isL1 = this.l1s.has(table);
    const nx = ((this.xen.cpuidLeaves.get(0x8000_0001)?.[3] ?? 0) & (1 << 20)) !== 0;
    if (val >> 63n && !nx) { this.violations.push(`NX bit without NX support: 0x${val.toString(16)}`); return EINVAL; }
    if (val & P) {
      const target = (val & ADDR) >> 12n;
      if (isL1) {
        if (val & RW && this.tables.has(target)) { this.violations.push(`writable mapping of table frame ${target}`); return EINVAL; }
      } else {
        if (!this.tables.has(target)) {
          if (this.writableMappings(target) > 0) { this.violations.push(`frame ${target} hooked as a table while mapped writable`); return EINVAL; }
          this.tables.add(target);
          const level = this.levelOf(table) - 1;
          if (level < 1) { this.violations.push(`entry in a table of unknown level ${table}`); return EINVAL; }
          this.levels.set(target, level);
          if (level === 1) this.l1s.add(target);
        }
      }
    }
    this.setEntry(table, i, val);
    return 0n;
  }
  levels = new Map<bigint, number>();
  levelOf(t: bigint): number { return this.levels.get(t) ?? 0; }

  install(instanceMemoryPages: number): PvLayout {
    const xen = this.xen;
    let nrPages = this.opts.nrPages ?? 8192;
    if (this.opts.tight) {
      const image = Number(LINEAR_BASE / PAGE) + instanceMemoryPages * 16;
      for (let guess = 1024; ; guess = FakePvDomain.bootEndPfn(image, this.opts.modLen ?? 0, guess)) {
        if (FakePvDomain.bootEndPfn(image, this.opts.modLen ?? 0, guess) === guess) { nrPages = guess; break; }
      }
    }
    // A scrambled p2m: pfn -> 0x40000 + pfn * 7 (mod a prime-ish span) keeps it non-identity.
    for (let pfn = 0; pfn < nrPages; pfn++) {
      const mfn = 0x40000n + BigInt((pfn * 7919) % 1_000_003);
      this.p2m.push(mfn);
      this.m2p.set(mfn, BigInt(pfn));
    }
    const imagePages = Number(LINEAR_BASE / PAGE) + instanceMemoryPages * 16;
    let pfn = imagePages;
    const modLen = this.opts.modLen ?? 0;
    const modPfn = pfn;
    pfn += Math.ceil(modLen / 4096);
    const p2mPfn = pfn;
    pfn += Math.ceil((nrPages * 8) / 4096);
    const siPfn = pfn++;
    const storePfn = pfn++;
    const consolePfn = pfn++;
    // tables: L4, L3, L2, and L1s for the whole region (to the 4 MiB boundary)
    const ptPfn = pfn;
    const bootEndPfn = FakePvDomain.bootEndPfn(imagePages, modLen, nrPages);
    if (bootEndPfn > nrPages) throw new Error(`fake layout: ${nrPages} pages do not hold the boot mapping (${bootEndPfn})`);
    const nrL1 = Math.ceil(bootEndPfn / 512);
    const nrPt = 3 + nrL1;
    pfn += nrPt;
    const stackPfn = pfn++;
    if (pfn * 4096 + 512 * 1024 > bootEndPfn * 4096) throw new Error('fake layout: region too small');
    const mfn = (p: number) => this.p2m[p];
    const l4 = mfn(ptPfn), l3 = mfn(ptPfn + 1), l2 = mfn(ptPfn + 2);
    this.cr3 = l4;
    for (const [t, lvl] of [[l4, 4], [l3, 3], [l2, 2]] as [bigint, number][]) { this.tables.add(t); this.levels.set(t, lvl); }
    this.setEntry(l4, 0, (l3 << 12n) | 0x67n);
    this.setEntry(l3, 0, (l2 << 12n) | 0x67n);
    for (let i = 0; i < nrL1; i++) {
      const l1 = mfn(ptPfn + 3 + i);
      this.tables.add(l1); this.l1s.add(l1); this.levels.set(l1, 1);
      this.setEntry(l2, i, (l1 << 12n) | 0x67n);
    }
    for (let p = 0; p < bootEndPfn; p++) {
      const isTable = p >= ptPfn && p < ptPfn + nrPt;
      const l1 = mfn(ptPfn + 3 + Math.floor(p / 512));
      this.setEntry(l1, p % 512, (mfn(p) << 12n) | (isTable ? 0x25n : 0x67n));
    }
    // Contents: p2m list, start_info, the module
    for (let p = 0; p < nrPages; p++) {
      const f = this.frame(mfn(p2mPfn + Math.floor((p * 8) / 4096)));
      new DataView(f.buffer).setBigUint64((p * 8) % 4096, this.p2m[p], true);
    }
    for (let i = 0; i < modLen; i++) this.frame(mfn(modPfn + Math.floor(i / 4096)))[i % 4096] = (i * 13) & 0xff;
    const si = new DataView(this.frame(mfn(siPfn)).buffer);
    new Uint8Array(si.buffer).set(new TextEncoder().encode('xen-3.0-x86_64'));
    const sharedInfoMfn = 0x9_0000n;
    si.setBigUint64(32, BigInt(nrPages), true);
    si.setBigUint64(40, sharedInfoMfn << 12n, true);
    si.setBigUint64(48, this.opts.dom0 ? 3n : 0n, true);
    si.setBigUint64(56, mfn(storePfn), true);
    si.setUint32(64, 1, true);
    si.setBigUint64(72, mfn(consolePfn), true);
    si.setUint32(80, 2, true);
    si.setBigUint64(88, BigInt(ptPfn) * PAGE, true);
    si.setBigUint64(96, BigInt(nrPt), true);
    si.setBigUint64(104, BigInt(p2mPfn) * PAGE, true);
    si.setBigUint64(112, modLen ? BigInt(modPfn) * PAGE : 0n, true);
    si.setBigUint64(120, BigInt(modLen), true);
    new Uint8Array(si.buffer).set(new TextEncoder().encode('hello=1'), 128);
    // M2P is read-only at M2P_VA
    xen.translate = (va, write) => {
      if (va >= M2P_VA && va < M2P_VA + 0x100_0000_0000n) {
        if (write) return null;
        const m = (va - M2P_VA) >> 3n;
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, this.m2p.get(m) ?? 0xffff_ffff_ffff_ffffn, true);
        return [b, Number((va - M2P_VA) & 7n)];
      }
      const w = this.walk(va & ~0xfffn);
      if (!w || !(w.pte & P)) return null;
      if (write && !(w.pte & RW)) return null;
      return [this.frame((w.pte & ADDR) >> 12n), Number(va & 0xfffn)];
    };
    xen.startInfoVa = BigInt(siPfn) * PAGE;
    xen.initialPages = instanceMemoryPages;
    this.layout = {
      nrPages, p2mVa: BigInt(p2mPfn) * PAGE, startInfoVa: xen.startInfoVa, storePfn, consolePfn,
      ptBase: BigInt(ptPfn) * PAGE, nrPtFrames: nrPt, stackPfn, bootEnd: BigInt(bootEndPfn) * PAGE,
      sharedInfoMfn, modVa: BigInt(modPfn) * PAGE, modLen,
    };
    this.installHypercalls();
    return this.layout;
  }

  private linear(va: bigint): number {
    return this.xen.linear(va);
  }

  private installHypercalls(): void {
    const xen = this.xen;
    const v = () => xen.view;
    xen.on(1, ([reqs, count, done]) => { // mmu_update
      for (let i = 0; i < Number(count); i++) {
        const at = this.linear(reqs) + i * 16;
        const ptr = v().getBigUint64(at, true), val = v().getBigUint64(at + 8, true);
        if ((ptr & 7n) !== 0n) { this.violations.push('unsupported mmu_update type'); return EINVAL; }
        const table = ptr >> 12n;
        const rc = this.write(table, Number((ptr & 0xfffn) >> 3n), val);
        if (rc) return rc;
      }
      if (done) v().setUint32(this.linear(done), Number(count), true);
      return 0n;
    });
    xen.on(14, ([va, pte]) => { // update_va_mapping
      const w = this.walk(va);
      if (!w) return EINVAL;
      return this.write(w.l1, w.index, pte);
    });
    xen.on(26, () => 0n); // mmuext_op (TLB flush)
    xen.on(0, ([table]) => { // set_trap_table
      let at = this.linear(table);
      for (;;) {
        const address = v().getBigUint64(at + 8, true);
        if (!address) break;
        this.trapTable.push({ vector: v().getUint8(at), flags: v().getUint8(at + 1), cs: v().getUint16(at + 2, true), address });
        at += 16;
      }
      return 0n;
    });
    xen.on(4, (args) => { this.callbacks = args.slice(0, 3); return 0n; });
    xen.on(15, () => 0n);
    xen.on(24, ([cmd, vcpu, arg]) => { // vcpu_op
      if (cmd === 7n && arg === 0n) { this.periodicStopped.push(Number(vcpu)); return 0n; }
      throw new Error(`vcpu_op ${cmd}`);
    });
    xen.on(32, ([cmd, arg]) => {
      if (cmd === 1n) { v().setUint32(this.linear(arg) + 8, 5, true); return 0n; } // bind_virq -> 5
      if (cmd === 4n) return 0n; // send
      throw new Error(`event_channel_op ${cmd}`);
    });
    xen.on(20, ([cmd, uop]) => { // grant_table_op setup_table
      if (cmd !== 2n) throw new Error(`grant_table_op ${cmd}`);
      const at = this.linear(uop);
      const n = v().getUint32(at + 4, true);
      const list = this.linear(v().getBigUint64(at + 16, true));
      for (let i = 0; i < n; i++) {
        const f = 0xA_0000n + BigInt(i);
        this.grantFrames.push(f);
        v().setBigUint64(list + 8 * i, f, true);
      }
      v().setInt16(at + 8, 0, true);
      return 0n;
    });
    xen.on(18, ([cmd, count, buf]) => {
      if (cmd === 0n) this.consoleIo += Buffer.from(xen.memory.buffer, this.linear(buf), Number(count)).toString('latin1');
      return 0n;
    });
    xen.on(29, ([cmd, arg]) => {
      if (cmd === 2n) {
        this.shutdownReason = v().getUint32(this.linear(arg), true);
        throw new Error(`shutdown ${this.shutdownReason}`);
      }
      return 0n;
    });
  }
}
