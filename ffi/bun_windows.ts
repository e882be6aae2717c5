/**
 * The bun:ffi backend on Windows: ffi/windows.ts over bun:ffi (Bun under Windows).
 * Bun has no asynchronous FFI calls: the reactor's wait (`dedicated`) runs on a Worker
 * of its own, as on Linux (bun.ts), reading WSAGetLastError there; the table's other
 * `nonblocking` entries (the resolver's) run on the calling thread and return settled
 * Promises (WSAPoll's with a zero timeout, should anything call it there).
 *
 * @module
 */
// @ts-ignore: bun:ffi exists only under Bun (its types come from bun-types, not installed here)
import { dlopen } from "bun:ffi";
import type { Backend, SymbolDef } from "./symbols.ts";
import { type BoundFn, setWindowsLayer, WINDOWS_THREAD_CALLS, windowsLibc } from "./windows.ts";
import { argType, bunMemory, dedicatedWorker, resultType } from "./bun.ts";
import { isMainThread } from "node:worker_threads";

/**
 * Makes the Windows backend with bun:ffi.
 *
 * @example
 * ```ts ignore
 * import { bunWindowsBackend } from "./bun_windows.ts";
 * const backend = bunWindowsBackend(); // on Windows only
 * ```
 */
export function bunWindowsBackend(): Backend {
  const layer = windowsLibc({
    bind(dll: string, table: Record<string, SymbolDef>) {
      const decls: Record<string, { args: string[]; returns: string }> = {};
      for (const [key, def] of Object.entries(table)) {
        if (def.nonblocking) continue;
        decls[key] = {
          args: def.parameters.map((t) => argType[t]),
          returns: resultType[def.result],
        };
      }
      const bound = dlopen(dll, decls).symbols as Record<string, BoundFn>;
      const out: Record<string, BoundFn> = { ...bound };
      for (const [key, def] of Object.entries(table)) {
        if (!def.nonblocking) continue;
        const sync = bound[def.name ?? key];
        out[key] = key === "WSAPoll_async"
          ? (fds: unknown, n: unknown) => Promise.resolve(sync(fds, n, 0))
          : (...args: unknown[]) => Promise.resolve(sync(...args));
      }
      return out;
    },
    addressOf: bunMemory.addressOf,
    peek: bunMemory.peek,
  });
  setWindowsLayer(layer);
  return {
    platformId: "windows_x86_64",
    libc: layer.libc,
    errno: layer.errno,
    setErrno: layer.setErrno,
    inWorker: !isMainThread,
    ...bunMemory,
    dedicated(key, wake) {
      const call = WINDOWS_THREAD_CALLS[key];
      if (call === undefined) return layer.libc[key];
      return dedicatedWorker(call, wake, layer.setErrno) as Backend["libc"][typeof key];
    },
  };
}
