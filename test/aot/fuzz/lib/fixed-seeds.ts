// The fixed seeds of the fuzz test, and their modules (generated once, then cached).
import { generateModule, seedBytes } from './generate.ts';

export const SEEDS = [1, 2, 3, 4, 5, 6];

export interface SeedModule {
  seed: number;
  bytes: Uint8Array;
}

let cached: Promise<SeedModule[]> | undefined;

/** The modules of SEEDS, generated two at a time (the machine has two cores). */
export function fixedSeedModules(): Promise<SeedModule[]> {
  cached ??= (async () => {
    const out: SeedModule[] = [];
    for (let i = 0; i < SEEDS.length; i += 2) {
      const pair = SEEDS.slice(i, i + 2);
      const got = await Promise.all(pair.map((s) => generateModule(seedBytes(s))));
      pair.forEach((seed, k) => out.push({ seed, bytes: got[k] }));
    }
    return out;
  })();
  return cached;
}
