// The VM entry: set up the object memory, load the boot image through vm/image (platform
// image_size/image_read), resume the image's active process, and run until it quits (platform
// exit, primitive 113). The host calls the exported `main`.

import { crash, exit } from "platform";
import { initializeObjectMemory } from "./objmem/index";
import { loadImage, imageErrorPtr, imageErrorLength } from "./image/index";
import { initInterpreter, resumeActiveProcess } from "./interp/startup";
import { interpret } from "./interp/interpreter";
import { vmCrash } from "./interp/crash";

const EDEN_BYTES: u32 = 8 << 20;

export function main(): void {
  if (!initializeObjectMemory(EDEN_BYTES)) vmCrash("cannot reserve new space");
  if (!loadImage()) {
    crash(imageErrorPtr(), imageErrorLength());
    return;
  }
  initInterpreter();
  if (!resumeActiveProcess()) vmCrash("the image's active process has no context that can run");
  interpret();
  exit(0);
}
