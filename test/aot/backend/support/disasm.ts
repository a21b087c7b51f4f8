// Test support: the Intel-syntax disassembly (objdump) of one function of a WAT module compiled
// by build/aot for the native session, one "offset: instruction" line per instruction.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeRegistry } from '../../../../build/aot/abi.ts';
import { compileModule } from '../../../../build/aot/compile.ts';
import { ProgramObject } from '../../../../build/aot/object.ts';
import { loadModule } from '../../../../build/aot/wasm/index.ts';
import { watToWasm } from './native.ts';

export const hasObjdump = (): boolean => !spawnSync('objdump', ['--version']).error;

export async function disassembleFunction(wat: string, name: string): Promise<string[]> {
  const obj = new ProgramObject();
  compileModule(obj, loadModule(await watToWasm(wat)), { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true });
  const code = obj.asm.finish();
  const f = obj.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name}`);
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-disasm-'));
  try {
    writeFileSync(join(dir, 'code.bin'), code);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', `--start-address=${f.offset}`,
      `--stop-address=${f.offset + f.size}`, join(dir, 'code.bin')], { encoding: 'utf8' });
    return r.stdout.split('\n').flatMap((l) => {
      const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+?\s*\t(.*)$/.exec(l);
      return m ? [`${m[1]}: ${m[2].replace(/\s+/g, ' ').trim()}`] : [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The instructions of the innermost loop: the shortest range from a backward jump's target
 *  up to that jump. */
export function innermostLoop(lines: string[]): string[] {
  let best: string[] | undefined;
  lines.forEach((l, k) => {
    const m = /^([0-9a-f]+): j\w+ 0x([0-9a-f]+)$/.exec(l);
    if (!m || parseInt(m[2], 16) >= parseInt(m[1], 16)) return;
    const from = lines.findIndex((x) => parseInt(x, 16) === parseInt(m[2], 16));
    if (from >= 0 && (!best || k + 1 - from < best.length)) best = lines.slice(from, k + 1);
  });
  if (!best) throw new Error('no loop in the function');
  return best;
}
