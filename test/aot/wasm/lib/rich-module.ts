// A module that uses every section and segment form the front end accepts: the base of the
// section tests and of the truncation / byte-flip tests.
import { ModuleBuilder, nameBytes, section, sleb, uleb, vec } from '../../../../build/aot/wasm/encoder.ts';
import { nameSection } from './helpers.ts';

const i32c = (n: number): number[] => [0x41, ...sleb(n), 0x0b];

export function richModule(): Uint8Array {
  const b = new ModuleBuilder();
  const t0 = b.type([], []);
  const t1 = b.type(['i32'], []);
  const t2 = b.type(['i32', 'i64'], ['i64', 'i32']);
  const t3 = b.type([], ['i32']);
  b.importFunc('env', 'log', t1); // func 0
  b.importTable('env', 'table', 'funcref', 10);
  b.importMemory('env', 'mem', 1, 2);
  b.importGlobal('env', 'g', 'i32', false); // global 0
  const f1 = b.func(t0, ['i32'], [0x23, 0x00, 0x10, 0x00]); // global.get 0; call 0
  const f2 = b.func(t2, [], [0x20, 0x01, 0x20, 0x00]);
  const f3 = b.func(t3, ['f32', 'i64'], [
    0x02, t3, 0x41, 0x07, 0x0b, 0x41, 0x01, 0x6a, // block (type 3) i32.const 7 end; i32.const 1; i32.add
    0x41, 0x00, 0x28, 0x02, 0x04, 0x1a, // i32.const 0; i32.load align=2 offset=4; drop
    0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x08, 0x01, 0x00, // memory.init 1
    0xfc, 0x09, 0x01, // data.drop 1
    0xd2, f2, 0x1a, 0xfc, 0x10, 0x01, 0x1a, // ref.func 2; drop; table.size 1; drop
    0x41, 0x7f, 0xc0, 0x1a, // i32.extend8_s
    0x43, 0x00, 0x00, 0xc0, 0x3f, 0xfc, 0x00, 0x1a, // f32.const 1.5; i32.trunc_sat_f32_s
    0x41, 0x00, 0x42, 0x02, 0x10, f2, 0x1a, 0x1a, // call 2 (multi-value)
  ]);
  b.table('funcref', 5);
  b.global('i32', true, [0x23, 0x00]);
  b.global('i64', false, [0x42, ...sleb(-5)]);
  b.global('f32', false, [0x43, 0x00, 0x00, 0x80, 0x3f]);
  b.global('f64', false, [0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  b.global('funcref', false, [0xd2, f2]);
  b.global('externref', false, [0xd0, 0x6f]);
  b.export('main', 'func', f3);
  b.export('mem', 'memory', 0);
  b.export('g1', 'global', 1);
  b.export('tab', 'table', 1);
  b.start = f1;
  const elems = [
    [0x00, ...i32c(0), ...vec([[f1]])],
    [0x01, 0x00, ...vec([[f2]])],
    [0x02, 0x01, ...i32c(1), 0x00, ...vec([[f3]])],
    [0x03, 0x00, ...vec([[f1]])],
    [0x04, ...i32c(2), ...vec([[0xd2, f2, 0x0b], [0xd0, 0x70, 0x0b]])],
    [0x05, 0x70, ...vec([[0xd0, 0x70, 0x0b]])],
    [0x06, 0x01, ...i32c(0), 0x70, ...vec([[0xd2, f3, 0x0b]])],
    [0x07, 0x70, ...vec([[0xd2, f1, 0x0b]])],
  ];
  b.raw(8, section(9, vec(elems)));
  b.raw(8, section(12, uleb(3)));
  const datas = [
    [0x00, ...i32c(16), ...vec([[0x68], [0x69]])],
    [0x01, ...vec([[0x78], [0x79], [0x7a]])],
    [0x02, 0x00, ...i32c(32), ...vec([[0x21]])],
  ];
  b.raw(10, section(11, vec(datas)));
  b.raw(1, section(0, [...nameBytes('hello'), 1, 2, 3]));
  b.raw(0, nameSection([[f1, 'start'], [f3, 'main']], 'rich'));
  return b.toBytes();
}
