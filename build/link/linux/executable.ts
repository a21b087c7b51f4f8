// Builds a static Linux executable from a WebAssembly module: runtime (_start, signals, memory,
// WASI) + the compiled module, linked by link.ts. The program's entry is the WASI command export
// `_start`, or else an exported `main` of type () -> i32 or () -> () whose result is the exit status.
import { Reg, mem } from '../../aot/x64/encoder.ts';
import { ProgramObject } from '../../aot/object.ts';
import { TypeRegistry } from '../../aot/abi.ts';
import { compileModule, funcTypeOf } from '../../aot/compile.ts';
import { LINUX_TARGET } from '../../aot/targets/linux.ts';
import { WasmError, type WasmModule } from '../../aot/wasm/module.ts';
import {
  defineRuntimeData, emitExitingSignalHandler, emitInstantiate, emitMemoryGrow, emitTableGrow, emitProcessSetup, emitRestorer, emitTrapTable,
} from '../../runtime/linux/start.ts';
import { SYS, emitWasi } from '../../runtime/linux/wasi.ts';
import { linkExecutable, type LinkedImage } from './link.ts';

export interface ExecutableResult extends LinkedImage {
  /** Number of recorded trap sites. */
  trapSites: number;
  functions: number;
}

export function buildLinuxExecutable(m: WasmModule): ExecutableResult {
  const obj = new ProgramObject();
  defineRuntimeData(obj);
  const a = obj.asm;
  const prefix = 'm0';
  // entry export
  const entry = m.exports.find((e) => e.kind === 'func' && e.name === '_start') ?? m.exports.find((e) => e.kind === 'func' && e.name === 'main');
  let returnsI32 = false;
  if (entry) {
    const t = funcTypeOf(m, entry.index);
    returnsI32 = t.results.length === 1 && t.results[0] === 'i32';
    if (t.params.length || (t.results.length && !returnsI32))
      throw new WasmError('unsupported', `entry export ${entry.name} must have type () -> () or () -> i32`, 0, entry.index);
    if (entry.index < m.numImportedFuncs) throw new WasmError('unsupported', `entry export ${entry.name} is an import`, 0);
  }
  const start = a.pos;
  obj.here('_start');
  emitProcessSetup(obj, 'rt.signal');
  const memory = m.memories.length ? { min: m.memories[0].min, max: m.memories[0].max ?? 65536 } : undefined;
  emitInstantiate(obj, { vmctxSymbol: `${prefix}.vmctx`, initSymbol: `${prefix}.init`, memory });
  a.movRI(Reg.rdi, 0);
  if (entry) {
    a.bytes(0x48, 0x83, 0xec, 0x10); // sub rsp, 16: the callee's argument/result area
    a.callSym(`${prefix}.f${entry.index}`);
    if (returnsI32) a.load(4, Reg.rdi, mem(Reg.rsp));
    else a.movRI(Reg.rdi, 0);
  }
  a.movRI(Reg.rax, SYS.exit_group);
  a.syscall();
  a.ud2();
  obj.functions.push({ name: '_start', offset: start, size: a.pos - start });
  emitRestorer(obj);
  emitExitingSignalHandler(obj);
  emitMemoryGrow(obj);
  emitTableGrow(obj);
  emitWasi(obj, { argv: 'rt.argv', envp: 'rt.envp' });
  compileModule(obj, m, { target: LINUX_TARGET, types: new TypeRegistry(), prefix });
  emitTrapTable(obj);
  const linked = linkExecutable(obj, '_start');
  return { ...linked, trapSites: obj.trapSites.length, functions: obj.functions.length };
}
