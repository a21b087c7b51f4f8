// Trap reasons compared across engines. Each message maps to the set of spec reasons it can
// mean: the suite's wording (used by the native back end too) means exactly one; V8 merges some
// ("float unrepresentable in integer range" is the suite's "invalid conversion to integer" or
// "integer overflow"; "table index is out of bounds" is "undefined element" or "out of bounds
// table access"; "null function or function signature mismatch" is "uninitialized element" or
// "indirect call type mismatch"). Two messages agree when their sets intersect.
const REASONS: [RegExp, string[]][] = [
  [/divide by zero|remainder by zero/i, ['divide-by-zero']],
  [/integer overflow|divide result unrepresentable/i, ['integer-overflow']],
  [/float unrepresentable/i, ['invalid-conversion', 'integer-overflow']],
  [/invalid conversion/i, ['invalid-conversion']],
  [/out of bounds memory|memory access out of bounds|data segment .*out of bounds/i, ['memory-out-of-bounds']],
  [/undefined element/i, ['undefined-element']],
  [/out of bounds table access/i, ['table-out-of-bounds']],
  [/table index is out of bounds|invalid index into function table|element segment .*out of bounds|table access out of bounds/i,
    ['undefined-element', 'table-out-of-bounds']],
  [/uninitialized element/i, ['uninitialized-element']],
  [/indirect call type mismatch/i, ['indirect-call-type-mismatch']],
  [/null function|signature mismatch/i, ['uninitialized-element', 'indirect-call-type-mismatch']],
  [/null reference|dereferencing a null/i, ['null-reference']],
  [/unreachable/i, ['unreachable']],
  [/call stack exhausted|maximum call stack/i, ['stack-exhausted']],
];

/** The spec reasons a trap message can mean (empty when it is not recognised). */
export function trapReasons(message: string): string[] {
  for (const [re, reasons] of REASONS) if (re.test(message)) return reasons;
  return [];
}

/** Do two trap messages (from any engine or the suite) name a common reason? */
export function sameTrapReason(a: string, b: string): boolean {
  const rb = trapReasons(b);
  return trapReasons(a).some((r) => rb.includes(r));
}
