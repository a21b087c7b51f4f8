// Developer tool: times each () -> i32 export of a .wat file natively (through the native
// session) and in V8: node --import tsx test/aot/backend/support/bench-wat.ts file.wat
import { readFileSync } from 'node:fs';
import { watToWasm } from './native.ts';
import { createNativeSession } from '../../../../build/aot/host/native-session.ts';
const wasm = await watToWasm(readFileSync(process.argv[2], 'utf8'));
const inst = await WebAssembly.instantiate(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
const s = createNativeSession();
await s.instantiate(wasm);
for (const name of process.argv.slice(3)) {
  let t = performance.now();
  const v8 = (inst.exports[name] as () => number)();
  const tv8 = performance.now() - t;
  t = performance.now();
  const nat = await s.invoke(undefined, name, []);
  const tn = performance.now() - t;
  console.log(`${name}: v8 ${tv8.toFixed(1)} ms (${v8}), native ${tn.toFixed(1)} ms (${JSON.stringify(nat, (_, v) => typeof v === 'bigint' ? Number(v) : v)}), ratio ${(tn / tv8).toFixed(2)}`);
}
await s.close();
