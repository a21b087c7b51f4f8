// Runs one converted spec script against a WasmSession. Module binaries also go through our
// front end: every `module` must load, every binary assert_invalid / assert_malformed must be
// rejected with a WasmError. Text-format (`module quote`) cases are skipped: out of scope.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModule, WasmError } from '../../../build/aot/wasm/index.ts';
import type { InvokeOutcome, WasmSession } from '../../../build/aot/host/session.ts';
import { sameTrapReason, trapReasons } from './trap-class.ts';
import { argValue, matches, showValue } from './values.ts';
import type { JsonAction, JsonCommand, SpecScript } from './wast-json.ts';

export interface ScriptResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  skipReasons: Map<string, number>;
}

export interface RunOptions {
  /** Only the front-end checks (no session): modules load, invalid/malformed are rejected. */
  frontEndOnly?: boolean;
  /** Stop listing failures after this many (counting continues). */
  maxListed?: number;
}

function frontEnd(bytes: Uint8Array): WasmError | undefined {
  try {
    loadModule(bytes);
    return undefined;
  } catch (e) {
    if (e instanceof WasmError) return e;
    throw new Error(`front end crashed (not a WasmError): ${e instanceof Error ? e.stack : String(e)}`);
  }
}

export async function runScript(
  script: SpecScript,
  file: string,
  makeSession: (() => Promise<WasmSession>) | undefined,
  options: RunOptions = {},
): Promise<ScriptResult> {
  const res: ScriptResult = { passed: 0, failed: 0, skipped: 0, failures: [], skipReasons: new Map() };
  const maxListed = options.maxListed ?? 20;
  const session = options.frontEndOnly || !makeSession ? undefined : await makeSession();
  const read = (c: JsonCommand): Uint8Array => {
    const b = readFileSync(join(script.dir, c.filename!));
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  };
  const fail = (c: JsonCommand, why: string): void => {
    res.failed++;
    if (res.failures.length < maxListed) res.failures.push(`${file}:${c.line}: ${c.type}: ${why}`);
  };
  const skip = (reason: string): void => {
    res.skipped++;
    res.skipReasons.set(reason, (res.skipReasons.get(reason) ?? 0) + 1);
  };
  const act = async (a: JsonAction): Promise<InvokeOutcome> => {
    if (a.type === 'get') return { kind: 'return', results: [await session!.get(a.module, a.field)] };
    return session!.invoke(a.module, a.field, (a.args ?? []).map(argValue));
  };

  try {
    for (const c of script.commands) {
      try {
        switch (c.type) {
          case 'assert_malformed':
          case 'assert_invalid': {
            if (c.module_type === 'text') {
              skip('text-format module (module quote) is out of scope');
              break;
            }
            const err = frontEnd(read(c));
            if (err) res.passed++;
            else fail(c, `front end accepted a module that must be rejected (${c.text})`);
            break;
          }
          case 'module':
          case 'assert_unlinkable':
          case 'assert_uninstantiable': {
            const err = frontEnd(read(c));
            if (err) {
              fail(c, `front end rejected a valid module: ${err.message}`);
              break;
            }
            if (!session) {
              res.passed++;
              break;
            }
            const out = await session.instantiate(read(c), c.type === 'module' ? c.name : undefined);
            const want = c.type === 'module' ? 'ok' : c.type === 'assert_unlinkable' ? 'unlinkable' : 'trap';
            if (out.kind === 'trap' && want === 'trap' && !sameTrapReason(out.message, c.text ?? '')) {
              fail(c, `instantiation trapped with "${out.message}", expected "${c.text}"`);
            } else if (out.kind === want) res.passed++;
            else fail(c, `instantiate gave ${out.kind}${'message' in out ? ` (${out.message})` : ''}, expected ${want}`);
            break;
          }
          default:
            if (!session) {
              skip('needs a session (front-end-only run)');
              break;
            }
            await runAction(c);
        }
      } catch (e) {
        fail(c, `runner error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await session?.close();
  }
  return res;

  async function runAction(c: JsonCommand): Promise<void> {
    switch (c.type) {
      case 'register':
        await session!.register(c.as!, c.name);
        res.passed++;
        return;
      case 'action': {
        const out = await act(c.action!);
        if (out.kind === 'return') res.passed++;
        else fail(c, `${out.kind}: ${out.message}`);
        return;
      }
      case 'assert_return': {
        const out = await act(c.action!);
        if (out.kind !== 'return') return fail(c, `${c.action!.field}: ${out.kind} (${out.message})`);
        const exp = c.expected ?? [];
        const ok = exp.length === out.results.length && exp.every((e, i) => matches(e, out.results[i]));
        if (ok) res.passed++;
        else fail(c, `${c.action!.field}: got [${out.results.map(showValue).join(' ')}], expected [${exp.map(showValue).join(' ')}]`);
        return;
      }
      case 'assert_trap':
      case 'assert_exhaustion': {
        const want = c.type === 'assert_trap' ? 'trap' : 'exhaustion';
        const out = await act(c.action!);
        if (out.kind !== want) {
          return fail(c, `${c.action!.field}: ${out.kind}${out.kind === 'return' ? '' : ` (${out.message})`}, expected ${want} (${c.text})`);
        }
        // the reason must match too (compared by class: engines word and merge reasons differently)
        if (c.type === 'assert_trap' && !sameTrapReason(out.message, c.text ?? '')) {
          const got = trapReasons(out.message).join(' or ') || 'unrecognised';
          return fail(c, `${c.action!.field}: trapped with "${out.message}" (${got}), expected "${c.text}"`);
        }
        res.passed++;
        return;
      }
      default:
        skip(`command type ${c.type} is not supported by the runner`);
    }
  }
}
