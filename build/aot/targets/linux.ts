// The `linux` target's intrinsics: WASI preview 1 imports bound to the machine-code routines of
// build/runtime/linux/wasi.ts (one call each; arguments already in the System V registers by the
// intrinsic convention of build/aot/intrinsics.ts).
import { registerIntrinsics, lookupIntrinsic } from '../intrinsics.ts';
import { WASI_FUNCTIONS, WASI_MODULE } from '../../runtime/linux/wasi.ts';

export const LINUX_TARGET = 'linux';

export function registerLinuxIntrinsics(): void {
  if (lookupIntrinsic(LINUX_TARGET, WASI_MODULE, 'fd_write')) return; // already registered
  for (const [name, params, results] of WASI_FUNCTIONS) {
    registerIntrinsics(LINUX_TARGET, WASI_MODULE, name, {
      params,
      results,
      emit: ({ asm }) => asm.callSym(`wasi.${name}`),
    });
  }
}
registerLinuxIntrinsics();
