// The smallest Xenolith PV kernel: AssemblyScript on the platform interface, no Smalltalk VM.
//   npx xenolith build examples/kernel-hello/main.ts --target xen -o hello.xen
// main's answer is the exit status (shown on the console at poweroff).
import { console_write } from "platform";

export function main(): i32 {
  const line = String.UTF8.encode("Hello from a Xenolith PV kernel\n");
  console_write(changetype<usize>(line), line.byteLength);
  return 0;
}
