// Loads the drivers fixture into a FakeXen with event-channel send and block handled.
import { compileAssemblyScript } from '../../kernel/support/asc.ts';
import { FakeXen } from '../../kernel/support/fake-xen.ts';

export interface DriversEx {
  buf(): number; out(): number; consolePage(): number; xenstorePage(): number; sharedInfo(): number;
  ringWrite(len: number): number; ringRead(max: number): number;
  init(consolePort: number, xsPort: number): void;
  conWrite(len: number): number; conRead(max: number): number; conMode(): number; conDropped(): bigint;
  read(tx: number, pathLen: number): number; write(tx: number, pathLen: number, valueLen: number): number;
  directory(pathLen: number): number; rm(pathLen: number): number; watch(pathLen: number, tokenLen: number): number;
  nextEvent(): number; failed(): number; lastError(): number; lastErrorLength(): number;
  transaction(): number; transactionRuns(): number;
  grantInit(): void; grantTable(): number; grant(domid: number, frame: bigint, ro: number): number;
  ungrant(ref: number): number; free(): number; entry(ref: number): number;
  siCopy(va: bigint): number; siNrPages(): bigint; siStore(): bigint; siConsole(): bigint; siDom0(): number;
  siCmdLen(): number; siCmd(): number; siMod(): bigint;
  conInputSignal(index: number): number; sigRaise(index: number): number; sigTake(): number;
  sigWaiting(): number; nextSignal(): number; statsWord(len: number): number;
}

export const CONSOLE_PORT = 2;
export const XS_PORT = 1;

/** `onNotify(port)` runs when the guest sends on an event channel; `onBlock()` when it blocks. */
export async function loadDrivers(opts: { onNotify?: (port: number, xen: FakeXen) => void; onBlock?: (xen: FakeXen) => void } = {}) {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/drivers/assembly/drivers.ts'));
  const ex = xen.exports<DriversEx>();
  xen.on(32, (args, x) => {
    const cmd = Number(args[0]);
    if (cmd === 4) {
      const port = x.view.getUint32(x.linear(args[1]), true);
      opts.onNotify?.(port, x);
      return 0n;
    }
    throw new Error(`unexpected event_channel_op ${cmd}`);
  });
  xen.on(29, (args, x) => {
    if (args[0] === 1n) opts.onBlock?.(x);
    return 0n;
  });
  xen.on(15, () => 0n); // set_timer_op
  return { xen, ex };
}

export function putBytes(xen: FakeXen, at: number, s: string | Uint8Array): number {
  const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
  xen.bytes.set(b, at);
  return b.length;
}

export function getString(xen: FakeXen, at: number, len: number): string {
  return Buffer.from(xen.memory.buffer, at, len).toString('latin1');
}
