// The boot-phase line a Xenolith kernel prints with `xenolith.stats` (kernel/boot-phases.ts):
//   xenolith: boot phases us: entry 0 memory 812 console 1400 vm 1500 ... output 40211
// µs from kernel entry, in Xen system time; phases not reached are left out.

export const PHASE_NAMES = ['entry', 'memory', 'console', 'vm', 'objmem', 'image', 'interp', 'output'] as const;
export type PhaseName = typeof PHASE_NAMES[number];
export type BootPhases = Partial<Record<PhaseName, number>>;

/** The phases of the last such line in `console`, or null when there is none. Throws on a line
 *  that names an unknown phase or is not name/number pairs: a kernel and bench out of step. */
export function parseBootPhases(console: string): BootPhases | null {
  const lines = console.split('\n').filter((l) => l.startsWith('xenolith: boot phases us:'));
  const last = lines.at(-1);
  if (last === undefined) return null;
  const words = last.slice('xenolith: boot phases us:'.length).trim().split(/\s+/).filter((w) => w !== '');
  if (words.length % 2 !== 0) throw new Error(`boot phase line is not name/value pairs: ${last}`);
  const out: BootPhases = {};
  for (let i = 0; i < words.length; i += 2) {
    const name = words[i]!;
    const value = words[i + 1]!;
    if (!(PHASE_NAMES as readonly string[]).includes(name)) throw new Error(`unknown boot phase '${name}' in: ${last}`);
    if (!/^\d+$/.test(value)) throw new Error(`boot phase ${name} has no whole number of µs: ${last}`);
    out[name as PhaseName] = Number(value);
  }
  return out;
}
