/**
 * The koffi backend on Windows: ffi/windows.ts over koffi (Node under Windows). The
 * reactor's wait (`dedicated`) runs on a Worker of its own, as on Linux (node.ts): on
 * libuv's pool it would take one of its few threads, and Node's exit would wait for it.
 *
 * @module
 */
import koffi from "koffi";
import type { Backend, SymbolDef } from "./symbols.ts";
import { type BoundFn, setWindowsLayer, WINDOWS_THREAD_CALLS, windowsLibc } from "./windows.ts";
import { dedicatedThread, koffiMemory, koffiType, promised } from "./node.ts";
import { isMainThread } from "node:worker_threads";

type KoffiFn = BoundFn & { async: (...args: unknown[]) => void };

/**
 * Makes the Windows backend with koffi: binds ws2_32, kernel32 and iphlpapi.
 *
 * @example
 * ```ts ignore
 * import { nodeWindowsBackend } from "./node_windows.ts";
 * const backend = nodeWindowsBackend(); // on Windows only
 * ```
 */
export function nodeWindowsBackend(): Backend {
  const memory = koffiMemory(koffi.load("msvcrt.dll"));
  const { addressOf } = memory;
  const layer = windowsLibc({
    bind(dll: string, table: Record<string, SymbolDef>) {
      const lib = koffi.load(dll);
      const out: Record<string, BoundFn> = {};
      for (const [key, def] of Object.entries(table)) {
        const fn = lib.func(
          def.name ?? key,
          koffiType[def.result],
          def.parameters.map((t) => koffiType[t]),
        ) as unknown as KoffiFn;
        out[key] = def.nonblocking ? promised(fn) : fn;
      }
      return out;
    },
    addressOf,
    peek: memory.peek,
  });
  setWindowsLayer(layer);
  return {
    platformId: "windows_x86_64",
    libc: layer.libc,
    errno: layer.errno,
    setErrno: layer.setErrno,
    inWorker: !isMainThread,
    ...memory,
    dedicated(key, wake) {
      const call = WINDOWS_THREAD_CALLS[key];
      if (call === undefined) return layer.libc[key];
      return dedicatedThread(call, wake, layer.setErrno, addressOf) as Backend["libc"][typeof key];
    },
  };
}
