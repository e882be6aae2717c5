/**
 * The running platform's id (`linux_x86_64_gnu`, `darwin_aarch64`, ...), which
 * selects the generated constants table.
 *
 * @module
 */
import { ffi } from "./mod.ts";

/** The running platform's id, e.g. `linux_x86_64_gnu`. */
export const platformId: string = ffi.platformId;
