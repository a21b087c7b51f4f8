// The `xenolith` command: each subcommand lives in build/cli/commands/<name>.ts and exports
// `register(program: Command): void`. They are loaded in name order so that adding a command
// never means editing this file.
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const program = new Command('xenolith')
  .description('Build Smalltalk unikernels for Xen from TypeScript alone')
  .version('0.1.0')
  .showHelpAfterError();

const commandDir = join(here, 'commands');
for (const file of readdirSync(commandDir).filter((f) => f.endsWith('.ts')).sort()) {
  const mod = (await import(pathToFileURL(join(commandDir, file)).href)) as {
    register?: (p: Command) => void;
  };
  mod.register?.(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`xenolith: ${message}\n`);
  process.exitCode = process.exitCode || 1;
}
