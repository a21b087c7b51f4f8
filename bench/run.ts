// `npm run bench`: runs every benchmark suite, i.e. each bench/<name>/suite.ts, which exports
//   name: string; description: string; run(argv: string[]): Promise<number>  (an exit code)
// and optionally usage: string. Add a suite by adding such a file; nothing here changes.
// A folder with only a bench/<name>/run.ts script counts too: it runs as
// `node --import tsx bench/<name>/run.ts [args]` in a child process (its first comment line is
// its description).
//   npm run bench                      all suites, default options
//   npm run bench -- wasm              one suite (or several: wasm,awfy)
//   npm run bench -- wasm --reps 5     options after the suite name go to that suite
//   npm run bench -- --list            the suites found
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Suite {
  name: string;
  description: string;
  usage?: string;
  run(argv: string[]): Promise<number>;
}

const benchDir = dirname(fileURLToPath(import.meta.url));

function scriptSuite(name: string, script: string): Suite {
  const first = readFileSync(script, 'utf8').split('\n').find((l) => l.startsWith('//')) ?? '';
  return {
    name,
    description: first.replace(/^\/\/\s*/, '').replace(new RegExp(`^bench/${name}:?\\s*`), ''),
    run: (argv) =>
      new Promise((ok, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { stdio: 'inherit' });
        child.on('error', fail);
        child.on('close', (code, signal) => ok(code ?? (signal ? 128 : 1)));
      }),
  };
}

export async function findSuites(): Promise<Suite[]> {
  const suites: Suite[] = [];
  for (const d of readdirSync(benchDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const file = join(benchDir, d, 'suite.ts');
    const script = join(benchDir, d, 'run.ts');
    if (!existsSync(file)) {
      if (existsSync(script)) suites.push(scriptSuite(d, script));
      continue;
    }
    const mod = (await import(pathToFileURL(file).href)) as Partial<Suite>;
    if (typeof mod.run !== 'function') throw new Error(`bench/${d}/suite.ts exports no run(argv)`);
    suites.push({ name: mod.name ?? d, description: mod.description ?? '', usage: mod.usage, run: mod.run });
  }
  return suites;
}

async function main(argv: string[]): Promise<number> {
  const suites = await findSuites();
  if (argv[0] === '--list' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`usage: npm run bench [-- <suite>[,<suite>...] [suite options]]\nsuites:\n`);
    for (const s of suites) process.stdout.write(`  ${s.name.padEnd(10)} ${s.description}\n`);
    return 0;
  }
  let selected = suites;
  let rest = argv;
  if (argv[0] && !argv[0].startsWith('-')) {
    const names = argv[0].split(',');
    const unknown = names.filter((n) => !suites.some((s) => s.name === n));
    if (unknown.length) throw new Error(`no such suite: ${unknown.join(', ')} (have: ${suites.map((s) => s.name).join(', ') || 'none'})`);
    selected = suites.filter((s) => names.includes(s.name));
    rest = argv.slice(1);
  } else if (argv.length) {
    throw new Error('suite options need a suite name first, e.g. `npm run bench -- wasm --reps 5`');
  }
  if (!selected.length) {
    process.stderr.write('bench: no suites found (bench/*/suite.ts)\n');
    return 1;
  }
  let status = 0;
  for (const s of selected) {
    process.stderr.write(`bench: suite ${s.name}: ${s.description}\n`);
    try {
      const code = await s.run(rest);
      if (code !== 0) {
        process.stderr.write(`bench: suite ${s.name} exited ${code}\n`);
        status = status || code;
      }
    } catch (e) {
      process.stderr.write(`bench: suite ${s.name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      status = status || 1;
    }
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
