// An AssemblyScript WASI program (managed runtime: strings, Map, arrays, sort, float printing)
// compiled by asc and then by our AOT compiler; test/aot/backend/assemblyscript.test.ts runs it.
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: i32, iovs: usize, n: i32, written: usize): i32;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: i32): void;

function print(s: string): void {
  const buf = String.UTF8.encode(s);
  const iov = memory.data(16);
  store<u32>(iov, changetype<usize>(buf));
  store<u32>(iov, buf.byteLength, 4);
  fd_write(1, iov, 1, iov + 8);
}

class Point { constructor(public x: f64, public y: f64) {} norm(): f64 { return Math.sqrt(this.x * this.x + this.y * this.y); } }

export function _start(): void {
  const m = new Map<string, i32>();
  for (let i = 0; i < 1000; i++) m.set("k" + i.toString(), i * i);
  let sum: i64 = 0;
  for (let i = 0; i < 1000; i++) sum += m.get("k" + i.toString());
  const pts: Point[] = [];
  for (let i = 0; i < 100; i++) pts.push(new Point(<f64>i, <f64>(i * 2)));
  pts.sort((a, b) => i32(a.norm() > b.norm()) - i32(a.norm() < b.norm()));
  print("sum=" + sum.toString() + " last=" + pts[99].norm().toString() + " " + (1.5).toString() + "\n");
  proc_exit(3);
}
