// SistaV1 bytecode emitter: one instance per CompiledMethod / CompiledBlock. Tracks the stack
// depth, lays out jumps (short/long forms chosen by iterating until sizes are stable) and knows
// every encoding the compiler uses (see EncoderForSistaV1's class comment for the table).

export const SPECIAL_SELECTORS: readonly [string, number][] = [
  ['+', 1], ['-', 1], ['<', 1], ['>', 1], ['<=', 1], ['>=', 1], ['=', 1], ['~=', 1],
  ['*', 1], ['/', 1], ['\\\\', 1], ['@', 1], ['bitShift:', 1], ['//', 1], ['bitAnd:', 1], ['bitOr:', 1],
  ['at:', 1], ['at:put:', 2], ['size', 0], ['next', 0], ['nextPut:', 1], ['atEnd', 0], ['==', 1], ['class', 0],
  ['~~', 1], ['value', 0], ['value:', 1], ['do:', 1], ['new', 0], ['new:', 1], ['x', 0], ['y', 0],
];
const specialIndex = new Map(SPECIAL_SELECTORS.map(([s], i) => [s, i]));

export function numArgsOf(selector: string): number {
  if (/^[A-Za-z_]/.test(selector)) return (selector.match(/:/g) ?? []).length;
  return 1;
}

type Item =
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'jump'; cond: 'always' | 'true' | 'false'; target: Label; size: number }
  | { kind: 'label'; label: Label };

export class Label {
  offset = -1;
  depth = -1;
}

export class BytecodeEmitter {
  private items: Item[] = [];
  depth = 0;
  maxDepth = 0;

  constructor(readonly fail: (msg: string) => never) {}

  private bytes(bytes: number[], delta: number): void {
    for (const b of bytes) if (!(Number.isInteger(b) && b >= 0 && b <= 255)) throw new Error(`internal: bad byte ${b}`);
    this.items.push({ kind: 'bytes', bytes });
    this.adjust(delta);
  }

  adjust(delta: number): void {
    this.depth += delta;
    if (this.depth < 0) throw new Error('internal: stack underflow in compiler');
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
  }

  private extA(value: number): number[] {
    if (value === 0) return [];
    if (value > 255) return [...this.extA(value >> 8), 224, value & 255];
    return [224, value];
  }

  private extBUnsigned(value: number): number[] {
    if (value === 0) return [];
    if (value > 127) this.fail('too many arguments or too far a jump for SistaV1 extensions');
    return [225, value];
  }

  // ---- pushes ----
  pushReceiverVariable(i: number): void {
    this.bytes(i < 16 ? [i] : [...this.extA(i >> 8), 226, i & 255], 1);
  }
  pushLiteralVariable(i: number): void {
    this.bytes(i < 16 ? [16 + i] : [...this.extA(i >> 8), 227, i & 255], 1);
  }
  pushLiteral(i: number): void {
    this.bytes(i < 32 ? [32 + i] : [...this.extA(i >> 8), 228, i & 255], 1);
  }
  pushTemp(i: number): void {
    if (i > 255) this.fail('too many temporaries');
    this.bytes(i < 12 ? [64 + i] : [229, i], 1);
  }
  pushReceiver(): void { this.bytes([76], 1); }
  pushTrue(): void { this.bytes([77], 1); }
  pushFalse(): void { this.bytes([78], 1); }
  pushNil(): void { this.bytes([79], 1); }
  pushThisContext(): void { this.bytes([82], 1); }
  dup(): void { this.bytes([83], 1); }
  pop(): void { this.bytes([216], -1); }

  /** SmallIntegers -32768..32767 inline (80/81 for 0/1); answers false if out of range. */
  pushInteger(v: number): boolean {
    if (v === 0) this.bytes([80], 1);
    else if (v === 1) this.bytes([81], 1);
    else if (v >= 0 && v <= 255) this.bytes([232, v], 1);
    else if (v >= -32768 && v <= 32767) this.bytes([225, (v >> 8) & 255, 232, v & 255], 1);
    else return false;
    return true;
  }
  pushCharacter(code: number): boolean {
    if (code <= 255) this.bytes([233, code], 1);
    else if (code <= 32767) this.bytes([225, code >> 8, 233, code & 255], 1);
    else return false;
    return true;
  }
  /** 231: push a new Array of n nils, or pop n values into a new Array. */
  pushNewArray(n: number, popIntoIt: boolean): void {
    if (n > 127) this.fail('brace array or temp vector with more than 127 elements');
    this.bytes([231, (popIntoIt ? 128 : 0) | n], popIntoIt ? 1 - n : 1);
  }
  pushRemoteTemp(index: number, vectorTemp: number): void {
    this.bytes([251, index, vectorTemp], 1);
  }
  /** 249: full block closure from literal `lit` with numCopied values popped from the stack. */
  pushFullClosure(lit: number, numCopied: number, ignoreOuterContext: boolean): void {
    if (numCopied > 63) this.fail('block copies more than 63 values');
    this.bytes([...this.extA(lit >> 8), 249, lit & 255, numCopied | (ignoreOuterContext ? 64 : 0)], 1 - numCopied);
  }

  // ---- stores ----
  storeReceiverVariable(i: number, pop: boolean): void {
    if (pop && i < 8) this.bytes([200 + i], -1);
    else this.bytes([...this.extA(i >> 8), pop ? 240 : 243, i & 255], pop ? -1 : 0);
  }
  storeLiteralVariable(i: number, pop: boolean): void {
    this.bytes([...this.extA(i >> 8), pop ? 241 : 244, i & 255], pop ? -1 : 0);
  }
  storeTemp(i: number, pop: boolean): void {
    if (i > 255) this.fail('too many temporaries');
    if (pop && i < 8) this.bytes([208 + i], -1);
    else this.bytes([pop ? 242 : 245, i], pop ? -1 : 0);
  }
  storeRemoteTemp(index: number, vectorTemp: number, pop: boolean): void {
    this.bytes([pop ? 253 : 252, index, vectorTemp], pop ? -1 : 0);
  }

  // ---- sends and returns ----
  send(selector: string, lit: () => number, numArgs: number, isSuper: boolean): void {
    const special = specialIndex.get(selector);
    if (!isSuper && special !== undefined && SPECIAL_SELECTORS[special][1] === numArgs) {
      this.bytes([96 + special], -numArgs);
      return;
    }
    const i = lit();
    if (!isSuper && i < 16 && numArgs <= 2) {
      this.bytes([128 + numArgs * 16 + i], -numArgs);
      return;
    }
    const ext = [...this.extA(i >> 5), ...this.extBUnsigned(numArgs >> 3)];
    if (isSuper && numArgs >> 3 >= 64) this.fail('too many arguments for a super send');
    this.bytes([...ext, isSuper ? 235 : 234, ((i & 31) << 3) | (numArgs & 7)], -numArgs);
  }
  returnReceiver(): void { this.bytes([88], 0); }
  returnTrue(): void { this.bytes([89], 0); }
  returnFalse(): void { this.bytes([90], 0); }
  returnNil(): void { this.bytes([91], 0); }
  returnTop(): void { this.bytes([92], -1); }
  blockReturnNil(): void { this.bytes([93], 0); }
  blockReturnTop(): void { this.bytes([94], -1); }
  callPrimitive(n: number): void {
    if (n < 0 || n > 8191) this.fail(`primitive number ${n} out of range 0..8191`);
    this.bytes([248, n & 255, n >> 8], 0);
  }

  // ---- control flow ----
  newLabel(): Label {
    return new Label();
  }
  jump(target: Label): void {
    this.items.push({ kind: 'jump', cond: 'always', target, size: 1 });
    this.noteDepth(target);
  }
  jumpIf(value: boolean, target: Label): void {
    this.adjust(-1);
    this.items.push({ kind: 'jump', cond: value ? 'true' : 'false', target, size: 1 });
    this.noteDepth(target);
  }
  private noteDepth(target: Label): void {
    if (target.depth < 0) target.depth = this.depth;
    else if (target.depth !== this.depth) throw new Error(`internal: stack depth mismatch at jump (${target.depth} vs ${this.depth})`);
  }
  place(label: Label): void {
    this.items.push({ kind: 'label', label });
    if (label.depth >= 0) this.depth = label.depth;
    else label.depth = this.depth;
  }
  /** After a return the code is unreachable; continue with the depth the join expects. */
  setDepth(d: number): void {
    this.depth = d;
  }

  private encodeJump(item: Item & { kind: 'jump' }, distance: number): number[] {
    if (item.cond === 'always') {
      if (distance >= 1 && distance <= 8) return [176 + distance - 1];
      if (distance >= 0 && distance <= 255) return [237, distance];
      if (distance < -32768 || distance > 32767) this.fail('jump too far');
      return [225, (distance >> 8) & 255, 237, distance & 255];
    }
    if (distance < 0) throw new Error('internal: backward conditional jump');
    const base = item.cond === 'true' ? 184 : 192;
    if (distance >= 1 && distance <= 8) return [base + distance - 1];
    const op = item.cond === 'true' ? 238 : 239;
    if (distance <= 255) return [op, distance];
    if (distance > 32767) this.fail('jump too far');
    return [225, distance >> 8, op, distance & 255];
  }

  /** Resolves jumps and answers the bytecodes. */
  assemble(): Uint8Array {
    for (let round = 0; ; round++) {
      // Offsets of every item with the current jump sizes, then grow the jumps that need it.
      let offset = 0;
      const starts: number[] = [];
      for (const it of this.items) {
        starts.push(offset);
        if (it.kind === 'label') it.label.offset = offset;
        else if (it.kind === 'bytes') offset += it.bytes.length;
        else offset += it.size;
      }
      let changed = false;
      this.items.forEach((it, i) => {
        if (it.kind !== 'jump') return;
        if (it.target.offset < 0) throw new Error('internal: jump to a label that was never placed');
        const size = this.encodeJump(it, it.target.offset - (starts[i] + it.size)).length;
        if (size > it.size) {
          it.size = size;
          changed = true;
        }
      });
      if (!changed) break;
      if (round > 100) throw new Error('internal: jump layout does not converge');
    }
    const out: number[] = [];
    for (const it of this.items) {
      if (it.kind === 'bytes') out.push(...it.bytes);
      else if (it.kind === 'jump') {
        const after = out.length + it.size;
        let code = this.encodeJump(it, it.target.offset - after);
        // A jump may have grown past what it needs now: pad a short form with a nop-free long form.
        if (code.length < it.size) code = this.padJump(it, it.target.offset - after, it.size);
        out.push(...code);
      }
    }
    return Uint8Array.from(out);
  }

  private padJump(item: Item & { kind: 'jump' }, distance: number, size: number): number[] {
    const op = item.cond === 'always' ? 237 : item.cond === 'true' ? 238 : 239;
    if (size === 2 && distance >= 0 && distance <= 255) return [op, distance];
    if (size === 4) return [225, (distance >> 8) & 255, op, distance & 255];
    // size 4 but expressible in 2: use extB 0 explicitly
    throw new Error('internal: cannot pad jump');
  }
}
