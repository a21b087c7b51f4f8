// A bump reservation of linear memory above the static data, growing memory as needed.

let top: usize = (__heap_base + 15) & ~(<usize>15);

export function reserve(bytes: usize): usize {
  const p = top;
  top = (top + bytes + 15) & ~(<usize>15);
  const needPages = <i32>((top + 0xffff) >>> 16);
  const havePages = memory.size();
  if (needPages > havePages) {
    if (memory.grow(needPages - havePages) < 0) unreachable();
  }
  return p;
}
