// Developer tool: node --import tsx test/aot/backend/support/try-wat.ts file.wat [out]
import { readFileSync, copyFileSync } from 'node:fs';
import { runWat } from './native.ts';
const r = await runWat(readFileSync(process.argv[2], 'utf8'), process.argv.slice(4));
if (process.argv[3]) copyFileSync(r.path, process.argv[3]);
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
console.log(`[status ${r.status} signal ${r.signal}]`);
