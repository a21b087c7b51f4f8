// Spur image files: load the boot image, save snapshots (docs/objmem-api.md, "Setup and images").
export { loadImage } from "./reader";
export { saveImage } from "./writer";
import { messagePtr, messageLength } from "./message";

/** Address and length (UTF-8/ASCII bytes) of the last load/save error message. */
export function imageErrorPtr(): usize { return messagePtr(); }
export function imageErrorLength(): i32 { return messageLength(); }
