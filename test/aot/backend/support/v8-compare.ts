// Runs exported functions of a WAT module in V8 and in our native code and asserts that every
// call answers the same (values or trap).
import assert from 'node:assert/strict';
import { createV8Session } from '../../../../build/aot/host/v8-session.ts';
import type { WasmSession } from '../../../../build/aot/host/session.ts';
import { loadSessionFactory } from '../../../spec/lib/sessions.ts';
import { watToWasm } from './native.ts';

/** Calls each named export with each i32 input in both engines. */
export async function assertAgreesWithV8(wat: string, calls: Record<string, readonly number[]>): Promise<void> {
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const bytes = await watToWasm(wat);
  const sessions: WasmSession[] = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
    for (const [name, inputs] of Object.entries(calls)) {
      for (const n of inputs) {
        const args = [{ type: 'i32' as const, bits: BigInt(n) }];
        const [v8, ours] = await Promise.all(sessions.map((s) => s.invoke('$m', name, args)));
        assert.deepEqual(ours, v8, `${name}(${n})`);
      }
    }
  } finally {
    for (const s of sessions) await s.close();
  }
}
