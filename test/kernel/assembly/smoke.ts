import { copyStartInfo, startInfoMagicOk } from "../../../kernel/abi/start-info";
import { START_INFO_COPY } from "../../../kernel/memory/special-pages";
export function t(va: i64): i32 { copyStartInfo(va, START_INFO_COPY); return startInfoMagicOk(START_INFO_COPY) ? 1 : 0; }
