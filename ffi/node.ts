/**
 * The Node backend: binds the libc symbol table with koffi.
 *
 * Every function is declared once, from the shared table, with a koffi prototype;
 * a call is then one koffi call, with no per-call work in this file on the hot
 * paths (the bound koffi functions are the table's functions). Entries marked
 * `nonblocking` are wrapped around koffi's `.async` calls, which run on koffi's
 * worker threads and are turned into Promises here.
 *
 * koffi saves the C errno of the calling thread after each synchronous call;
 * `koffi.errno()` reads it back, so the errno read right after a failed call is
 * that call's.
 *
 * @module
 */
import koffi from "koffi";
import { type Backend, type Libc, type NativeType, type SymbolDef, symbols } from "./symbols.ts";
import {
  available,
  binding,
  cName,
  libraryPath,
  os,
  platformId,
  withVariadics,
} from "./node_platform.ts";
import { nodeWindowsBackend } from "./node_windows.ts";

/** The koffi spelling of each table type. */
export const koffiType: Record<NativeType, string> = {
  i32: "int32_t",
  u32: "uint32_t",
  i64: "int64_t",
  usize: "uintptr_t",
  isize: "intptr_t",
  buffer: "void *",
  void: "void",
};

type KoffiFn = ((...args: unknown[]) => unknown) & {
  async: (...args: unknown[]) => void;
};

/** Turns koffi's callback-style `.async` into a Promise-returning function. */
export function promised(fn: KoffiFn): (...args: unknown[]) => Promise<unknown> {
  return (...args) =>
    new Promise((resolve, reject) => {
      fn.async(...args, (err: unknown, result: unknown) => {
        if (err) reject(err);
        else resolve(result);
      });
    });
}

function open(): koffi.LibraryHandle {
  try {
    return koffi.load(libraryPath());
  } catch (cause) {
    throw new Error(`socket: could not load ${libraryPath()} with koffi`, { cause });
  }
}

function load(lib: koffi.LibraryHandle): Libc {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(symbols) as [string, SymbolDef][]) {
    if (!available(key)) continue;
    const fn = lib.func(
      cName(key, def),
      koffiType[def.result],
      binding(key, def).parameters.map((t) => koffiType[t]),
    ) as unknown as KoffiFn;
    out[key] = def.nonblocking ? promised(fn) : fn;
  }
  return out as unknown as Libc;
}

// On Windows the whole backend is node_windows.ts (ws2_32 through ffi/windows.ts).
const windows = os === "win32";
const lib = windows ? undefined! : open();
const libc = windows ? undefined! : withVariadics(load(lib));
/** `void *memset(void *s, int c, size_t n)` with n = 0 returns `s`: the address of a JS view. */
const identity = windows ? undefined! : lib.func(
  "memset",
  "uintptr_t",
  ["void *", "int32_t", "size_t"],
) as unknown as (
  view: ArrayBufferView,
  c: number,
  n: number,
) => number | bigint;

function address(value: number | bigint): number | bigint {
  if (value === 0 || value === 0n) throw new RangeError("socket: NULL pointer dereference");
  return value;
}

/** Reading C memory through koffi (also the Windows backend's, node_windows.ts). */
export const koffiMemory: Pick<Backend, "peek" | "cstring" | "readPointer"> = {
  peek(addr, length) {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(koffi.view(address(addr), length)).slice();
  },
  cstring: (addr) => koffi.decode(address(addr), "char", -1) as string,
  readPointer: (addr, offset) => BigInt(koffi.decode(address(addr), offset, "uintptr_t")),
};

/** The koffi implementation of the backend interface. */
export const backend: Backend = windows ? nodeWindowsBackend() : {
  platformId,
  libc,
  errno: () => koffi.errno(),
  setErrno: (value: number) => {
    koffi.errno(value);
  },
  ...koffiMemory,
  addressOf: (view) => BigInt(identity(view, 0, 0)),
};
