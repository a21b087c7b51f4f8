// `xenolith image <dir...> -o app.image [--entry Class>>selector]`: Smalltalk sources (Tonel)
// → a 64-bit Spur image, with the class library in smalltalk/ loaded first.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { buildImage } from '../../bootstrap/image-builder.ts';
import { SourceError } from '../../bootstrap/source-error.ts';

interface ImageOptions {
  output: string;
  entry?: string;
  kernel: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('image')
    .description('build a 64-bit Spur image from Tonel source directories (smalltalk/ is loaded first)')
    .argument('<dirs...>', 'directories of Tonel packages (e.g. examples/hello)')
    .requiredOption('-o, --output <file>', 'image file to write')
    .option('--entry <Class>>selector>', 'entry point, e.g. "Hello class>>main" (default: the one class-side #main)')
    .option('--no-kernel', 'do not load the class library in smalltalk/ (the dirs must then define it)')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress lines')
    .action((dirs: string[], opts: ImageOptions) => {
      const started = Date.now();
      const log = (line: string): void => {
        if (!opts.quiet && !opts.json) process.stderr.write(`image: ${line}\n`);
      };
      try {
        const result = buildImage({ dirs, entry: opts.entry, includeKernel: opts.kernel, progress: log });
        writeFileSync(opts.output, result.image);
        const summary = {
          output: opts.output, entry: result.entry, classes: result.classes, methods: result.methods,
          objects: result.objects, bytes: result.bytes, milliseconds: Date.now() - started,
        };
        if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(
            `${opts.output}: ${result.classes} classes, ${result.methods} methods, ${result.objects} objects, ` +
              `${result.bytes} bytes, entry ${result.entry} (${summary.milliseconds} ms)\n`,
          );
        }
      } catch (err) {
        if (err instanceof SourceError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
