// The VM entry: set up the object memory, load the boot image through vm/image (platform
// image_size/image_read), resume the image's active process, and run until it quits (platform
// exit, primitive 113). The host calls the exported `main`.

import { crash, exit, image_size } from "platform";
import { initializeObjectMemory } from "./objmem/index";
import { allocPages, freePagesZeroed } from "./objmem/pages";
import { setGrowQuantum } from "./objmem/segments";
import { loadImage, imageErrorPtr, imageErrorLength } from "./image/index";
import { initInterpreter, resumeActiveProcess } from "./interp/startup";
import { interpret } from "./interp/interpreter";
import { vmCrash } from "./interp/crash";
import { R, NUM_PAGES, PAGE_BYTES } from "./interp/registers";

const EDEN_BYTES: u32 = 8 << 20;
const GROW_QUANTUM: usize = 4 << 20;
/** Halvings tried for a host with little memory: down to a 512 KiB eden, 256 KiB quantum, and
 *  the stack zone down to MIN_STACK_PAGES. */
const SIZE_STEPS: i32 = 5;
/** Stack pages kept however small the host: enough for the class library's SUnit suite, whose
 *  deepest recursion and process switches then spill frames to Contexts more often. */
const MIN_STACK_PAGES: i32 = 8;

/** The stack zone's pages at a sizing step: all NUM_PAGES at full size, halved with eden. */
function stackPagesAt(step: i32): i32 {
  const pages = NUM_PAGES >> step;
  return pages < MIN_STACK_PAGES ? MIN_STACK_PAGES : pages;
}

/** New space, the image's old-space headroom (the segment grow quantum) and the stack zone,
 *  sized to what the host gives: full size where memory.grow allows, halved step by step in a
 *  small domain (a Xen guest booted with little memory=). The probe's pages go to the page
 *  pool, from which new space, the image segment and the stack zone are then carved, so
 *  nothing is wasted. Sets the quantum and the zone's page count; answers the eden size. */
function sizeSpaces(): u32 {
  heap.free(heap.alloc(16)); // asc's allocator claims all memory present at its first use: not ours
  const image = <usize>image_size();
  for (let step = 0; step < SIZE_STEPS; step++) {
    const eden = EDEN_BYTES >> <u32>step;
    const quantum = GROW_QUANTUM >> <usize>step;
    const pages = stackPagesAt(step);
    // eden + two survivors of eden/5 (objmem/heap.ts), the image and its headroom, the stack
    // zone (interp/startup.ts), and 1 MiB for the GC's side stacks and what the image grows by
    const need = <usize>eden + 2 * (<usize>eden / 5) + image + quantum + <usize>pages * PAGE_BYTES + (1 << 20);
    const probe = allocPages(need);
    if (probe != 0) {
      freePagesZeroed(probe, need); // allocPages zeroed it and nothing wrote since: not cleared again when carved
      setGrowQuantum(quantum);
      R.numPages = pages;
      return eden;
    }
  }
  setGrowQuantum(GROW_QUANTUM >> <usize>(SIZE_STEPS - 1));
  R.numPages = MIN_STACK_PAGES;
  return EDEN_BYTES >> <u32>(SIZE_STEPS - 1);
}

/** Start-up phases for a platform that times them: the xen kernel defines the @global
 *  xenolithBootPhase (kernel/boot-phases.ts, phases 3..6); elsewhere this compiles to nothing. */
@inline function bootPhase(phase: i32): void {
  if (isDefined(xenolithBootPhase)) xenolithBootPhase(phase);
}

export function main(): void {
  bootPhase(3);
  if (!initializeObjectMemory(sizeSpaces())) vmCrash("cannot reserve new space");
  bootPhase(4);
  if (!loadImage()) {
    crash(imageErrorPtr(), imageErrorLength());
    return;
  }
  bootPhase(5);
  initInterpreter();
  bootPhase(6);
  if (!resumeActiveProcess()) vmCrash("the image's active process has no context that can run");
  interpret();
  exit(0);
}
