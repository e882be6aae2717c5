/**
 * The types between ffi/windows.ts and the runtimes' bindings (and ffi/windows_netdb.ts),
 * in a leaf of their own so that no import cycle joins those files.
 *
 * @module
 */
import type { SymbolDef } from "./symbols.ts";

/** A bound C function. */
// deno-lint-ignore no-explicit-any
export type BoundFn = (...args: any[]) => any;

/**
 * What a runtime backend gives the Windows layer: binds `table` in the DLL `dll`
 * (returning one function per key, Promise-returning for `nonblocking` entries), and
 * the C address of a view of JS memory.
 */
export interface WindowsBinder {
  /** Binds the entries of `table` from `dll` ("ws2_32.dll", "kernel32.dll", ...). */
  bind(dll: string, table: Record<string, SymbolDef>): Record<string, BoundFn>;
  /** The C address of the first byte of `view` (stable while the view lives). */
  addressOf(view: ArrayBufferView): bigint;
  /** Copies `length` bytes at C address `address` (the backend's peek). */
  peek(address: number | bigint, length: number): Uint8Array;
}
