// Binary trees (the Benchmarks Game shape: a stretch tree, a long-lived tree, then many
// short-lived trees of each depth) on a custom allocator: fixed-size 8-byte nodes from a free
// list, refilled by bumping through 64 KiB chunks. Every check value is the node count of the
// trees built, (2^(d+1) - 1) per tree of depth d, and is verified against that formula; the
// allocator must also get every node back.
import { check, flush, print, printU64 } from "./lib/wasi";
import { reserve } from "./lib/heap";

const MAX_DEPTH: i32 = 16;
const MIN_DEPTH: i32 = 4;
const CHUNK: usize = 64 << 10;

// Free list threaded through the first word of free nodes.
let freeList: usize = 0;
let bump: usize = 0;
let bumpEnd: usize = 0;
let live: i64 = 0;

@inline function allocNode(left: usize, right: usize): usize {
  let p = freeList;
  if (p != 0) {
    freeList = load<u32>(p);
  } else {
    if (bump == bumpEnd) {
      bump = reserve(CHUNK);
      bumpEnd = bump + CHUNK;
    }
    p = bump;
    bump += 8;
  }
  store<u32>(p, <u32>left);
  store<u32>(p, <u32>right, 4);
  live++;
  return p;
}

@inline function freeNode(p: usize): void {
  store<u32>(p, <u32>freeList);
  freeList = p;
  live--;
}

function build(depth: i32): usize {
  return depth == 0 ? allocNode(0, 0) : allocNode(build(depth - 1), build(depth - 1));
}

function count(node: usize): u32 {
  const left = <usize>load<u32>(node);
  return left == 0 ? 1 : 1 + count(left) + count(<usize>load<u32>(node, 4));
}

function release(node: usize): void {
  const left = <usize>load<u32>(node);
  const right = <usize>load<u32>(node, 4);
  freeNode(node);
  if (left != 0) {
    release(left);
    release(right);
  }
}

@inline function nodesOf(depth: i32): u64 {
  return (<u64>1 << <u64>(depth + 1)) - 1;
}

export function _start(): void {
  const stretch = build(MAX_DEPTH + 1);
  const stretchCheck = count(stretch);
  release(stretch);
  check(<u64>stretchCheck == nodesOf(MAX_DEPTH + 1), "stretch tree check");
  print("bintrees: stretch ");
  printU64(<u64>stretchCheck);

  const longLived = build(MAX_DEPTH);
  let total: u64 = 0;
  for (let depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
    const iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH);
    let sum: u64 = 0;
    for (let i = 0; i < iterations; i++) {
      const t = build(depth);
      sum += <u64>count(t);
      release(t);
    }
    check(sum == <u64>iterations * nodesOf(depth), "short-lived trees check");
    total += sum;
  }
  const longCheck = count(longLived);
  check(<u64>longCheck == nodesOf(MAX_DEPTH), "long-lived tree check");
  release(longLived);
  check(live == 0, "allocator lost nodes");
  print(" trees ");
  printU64(total);
  print(" long-lived ");
  printU64(<u64>longCheck);
  print("\n");
  flush();
}
