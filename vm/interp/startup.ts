// Starting the interpreter on a loaded object memory: the stack zone, the caches, the
// scheduler, then resuming `Processor activeProcess suspendedContext` as every Squeak VM does.

import { R, NUM_PAGES, PAGE_BYTES, setPageInUse } from "./registers";
import { allocPages } from "../objmem/pages";
import { setContextClassIndex, nilOop } from "./heap";
import { flushMethodCache } from "./lookup";
import { initScheduler, activeProcess } from "./scheduler";
import { initFloatPrims } from "../prims/arith";
import { resumeContext } from "./frames";
import { storePtr } from "./heap";
import { fetchSlot } from "./oops";
import { PROC_SUSPENDED_CONTEXT } from "./layout";
import { vmCrash } from "./crash";
import { I } from "./interpreter";

/** Prepares the interpreter for the current heap (after loadImage or a test's heap setup). */
export function initInterpreter(): void {
  if (R.zone == 0) {
    R.zone = allocPages(<usize>R.numPages * PAGE_BYTES);
    if (R.zone == 0) vmCrash("no memory for the stack zone");
  }
  for (let p = 0; p < NUM_PAGES; p++) setPageInUse(p, false);
  R.page = -1; R.fp = 0; R.sp = 0; R.ip = 0;
  setContextClassIndex();
  initFloatPrims();
  flushMethodCache();
  initScheduler();
  I.stopped = false;
}

/** Resumes the active process's suspended context; false when it cannot run. */
export function resumeActiveProcess(): bool {
  const proc = activeProcess();
  const ctx = fetchSlot(proc, PROC_SUSPENDED_CONTEXT);
  storePtr(proc, PROC_SUSPENDED_CONTEXT, nilOop());
  return resumeContext(ctx);
}
