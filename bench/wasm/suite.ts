// The compute benchmarks as a suite of `npm run bench` (bench/run.ts). The runner (and with it
// the AssemblyScript compiler) loads only when the suite runs, so listing suites stays quick.
export const name = 'wasm';
export const description = 'AOT compute benchmarks: AssemblyScript workloads on V8, wasm2c+gcc and `xenolith aot`';
export const usage = 'node --import tsx bench/wasm/run.ts --help';

export async function run(argv: string[]): Promise<number> {
  const { main } = await import('./run.ts');
  return main(argv);
}
