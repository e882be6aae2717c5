/**
 * The FFI entry point for the code above `ffi/`: the backend of the running runtime.
 * The npm build points this file at the koffi (Node) or bun:ffi (Bun) backend
 * through conditional imports; under Deno it is the Deno backend.
 *
 * @module
 */
import { backend } from "./deno.ts";
import { hErrnoAddress } from "./symbols.ts";
export type { Backend, BufferArg, Libc } from "./symbols.ts";
export { MAX_IO } from "./symbols.ts";

/** The running runtime's backend. */
export const ffi = backend;
/** The bound libc functions. */
export const libc = backend.libc;
/**
 * macOS: the address of the C library's `h_errno`, where its non-reentrant host lookups
 * leave their error (see `hErrnoAddress`); 0n elsewhere (the `_r` calls return it).
 */
export const hErrnoLocation: bigint = hErrnoAddress(libc, backend.platformId.split("_")[0]);
