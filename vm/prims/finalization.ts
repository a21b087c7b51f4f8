// Finalization: 172 primitiveFetchMourner answers the next ephemeron the GC fired (its key was
// reachable only through ephemerons), which the GC has made an ordinary object. Weak arrays
// that lost referents are not queued (as in Spur): the image scans them. The GC signals the
// finalization semaphore (special object 41) when it fired ephemerons or nilled weak slots;
// the image's finalization process then fetches mourners until the primitive fails.

import { ret, fail } from "./support";
import { ERR_NOT_FOUND } from "../interp/layout";
import { dequeueMourner } from "../objmem/index";

/** 172 fetchMourner: the next fired ephemeron; fails (not found) when the queue is empty. */
export function primFetchMourner(): bool {
  const e = dequeueMourner();
  return e == 0 ? fail(ERR_NOT_FOUND) : ret(e);
}
