/**
 * The Deno backend: binds the libc symbol table with `Deno.dlopen`.
 *
 * @module
 */
import {
  type Backend,
  checkPeekLength,
  cSymbol,
  isAvailable,
  type Libc,
  stackVariadicCalls,
  stackVariadicDef,
  type SymbolDef,
  symbols,
  variadicOnStack,
} from "./symbols.ts";
import { Gate } from "./gate.ts";
import { type BoundFn, setWindowsLayer, windowsLibc } from "./windows.ts";

const os = Deno.build.os;
const arch = Deno.build.arch;
/** "gnu" or "musl" on Linux, from the target triple Deno was built for. */
const libcFlavour = os === "linux" ? (Deno.build.target.endsWith("musl") ? "musl" : "gnu") : "";

/**
 * The shared libraries that may hold the socket API on this platform, tried in
 * order. In a musl process any `libc.*` name resolves to the running libc itself
 * (musl's loader reserves the name); Alpine's files are
 * `/lib/ld-musl-<arch>.so.1` and its link `/lib/libc.musl-<arch>.so.1`.
 */
function libraryCandidates(): string[] {
  if (os === "darwin") return ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"];
  if (os === "linux") {
    return libcFlavour === "musl"
      ? ["libc.so", `libc.musl-${arch}.so.1`, `/lib/ld-musl-${arch}.so.1`]
      : ["libc.so.6"];
  }
  throw new Error(`socket: unsupported operating system ${os}`);
}

const VARIADIC_ON_STACK = variadicOnStack(os, arch);

/** C names (and, for variadic calls, signatures) that differ per platform from the table's. */
function renamed(key: string, def: SymbolDef): SymbolDef {
  const name = cSymbol(key, def, os, libcFlavour, arch);
  if (name !== (def.name ?? key)) return { ...def, name };
  return VARIADIC_ON_STACK ? stackVariadicDef(key, def) : def;
}

/**
 * `void *memcpy(void *dst, const void *src, size_t n)`, bound beside the table (not on
 * Windows) for peek/peekInto: a fast call (~20 ns) where `UnsafePointerView.copyInto`
 * costs ~150 ns with its pointer object.
 */
const MEMCPY: SymbolDef = { parameters: ["buffer", "usize", "usize"], result: "void" };

function load(): Libc {
  if (os === "windows") {
    const layer = windowsLibc({
      bind: (dll, t) =>
        Deno.dlopen(dll, t as Deno.ForeignLibraryInterface).symbols as Record<string, BoundFn>,
      addressOf: (v) =>
        BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(v as Uint8Array<ArrayBuffer>))),
      peek: (address, length) => backend.peek(address, length),
    });
    setWindowsLayer(layer);
    return layer.libc;
  }
  const table: Record<string, SymbolDef> = { memcpy: MEMCPY };
  for (const [key, def] of Object.entries(symbols)) {
    if (isAvailable(key, os, libcFlavour)) table[key] = renamed(key, def);
  }
  const candidates = libraryCandidates();
  const errors: unknown[] = [];
  for (const path of candidates) {
    try {
      return Deno.dlopen(path, table as Deno.ForeignLibraryInterface).symbols as unknown as Libc;
    } catch (error) {
      // Without --allow-ffi every candidate fails the same way: say so at once.
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        throw new Error(`socket: could not load ${path} (run with --allow-ffi)`, { cause: error });
      }
      errors.push(error);
    }
  }
  throw new Error(
    `socket: could not load the C library (tried ${candidates.join(", ")}; run with --allow-ffi)`,
    { cause: errors.length === 1 ? errors[0] : new AggregateError(errors) },
  );
}

const raw = load();
/** memcpy with the source an address (BigInt: Deno's fast path); undefined on Windows. */
const memcpy = (raw as unknown as {
  memcpy?: (out: Uint8Array, src: bigint, n: bigint) => void;
}).memcpy;

/**
 * Deno runs nonblocking calls on its blocking pool, 32 threads shared with its own file
 * operations; resolver calls blocked on a silent name server would take them all, and the
 * reactor's wait (`backend.dedicated`) would queue behind them. At most 16 run at once.
 */
const gate = new Gate(16);
const gated: Partial<Libc> = {};
for (const [key, def] of Object.entries(symbols) as [keyof Libc, SymbolDef][]) {
  const fn = raw[key] as unknown as (...args: unknown[]) => Promise<unknown>;
  if (!def.nonblocking || fn === undefined) continue;
  (gated as Record<string, unknown>)[key] = (...args: unknown[]) => gate.run(() => fn(...args));
}

/** fcntl and open with their variadic argument in the first stack slot (see renamed). */
const stackVariadic: Partial<Libc> = VARIADIC_ON_STACK ? stackVariadicCalls(raw) : {};

/**
 * Deno takes its fast call path for a 64-bit parameter only when given a BigInt; a
 * number sends the whole call down the slow path. The hot calls' `size_t` lengths are
 * therefore passed as BigInt (optimized code does not allocate for it: a send + recv
 * pair measured 1.4 us this way against 1.8 us with numbers).
 */
const libc: Libc = {
  ...raw,
  ...gated,
  send: (fd, buf, n, flags) => raw.send(fd, buf, BigInt(n), flags),
  recv: (fd, buf, n, flags) => raw.recv(fd, buf, BigInt(n), flags),
  sendto: (fd, buf, n, flags, addr, len) => raw.sendto(fd, buf, BigInt(n), flags, addr, len),
  recvfrom: (fd, buf, n, flags, addr, len) => raw.recvfrom(fd, buf, BigInt(n), flags, addr, len),
  read: (fd, buf, n) => raw.read(fd, buf, BigInt(n)),
  write: (fd, buf, n) => raw.write(fd, buf, BigInt(n)),
  ...stackVariadic,
};
const errnoCell = new Int32Array(
  Deno.UnsafePointerView.getArrayBuffer(
    Deno.UnsafePointer.create(BigInt(libc.errno_location()))!,
    4,
  ),
);

function pointer(address: number | bigint): Deno.PointerObject {
  const p = Deno.UnsafePointer.create(BigInt(address));
  if (p === null) throw new RangeError("socket: NULL pointer dereference");
  return p;
}

/** Copies `length` (> 0, checked) bytes at `address` into `out`. */
function copy(address: number | bigint, out: Uint8Array, length: number): void {
  if (memcpy === undefined) {
    // copyInto copies the whole destination: a view of exactly `length` bytes
    const into = length === out.length ? out : out.subarray(0, length);
    Deno.UnsafePointerView.copyInto(pointer(address), into as Uint8Array<ArrayBuffer>);
  } else {
    if (address === 0 || address === 0n) throw new RangeError("socket: NULL pointer dereference");
    memcpy(out, BigInt(address), BigInt(length));
  }
}

/** The Deno implementation of the backend interface. */
export const backend: Backend = {
  platformId: `${os}_${arch}${libcFlavour ? "_" + libcFlavour : ""}`,
  libc,
  errno: () => errnoCell[0],
  setErrno: (value: number) => {
    errnoCell[0] = value;
  },
  view: (address, length) => Deno.UnsafePointerView.getArrayBuffer(pointer(address), length),
  peek(address, length) {
    const out = new Uint8Array(length);
    if (out.length > 0) copy(address, out, out.length);
    return out;
  },
  peekInto(address, out, length) {
    checkPeekLength(out, length);
    if (length > 0) copy(address, out, length);
  },
  cstring: (address) => Deno.UnsafePointerView.getCString(pointer(address)),
  readPointer(address, offset) {
    const p = new Deno.UnsafePointerView(pointer(address)).getPointer(offset);
    return p === null ? 0n : BigInt(Deno.UnsafePointer.value(p));
  },
  addressOf: (view) =>
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>))),
  // The reactor's wait takes a thread of Deno's blocking pool, which the gate keeps from
  // filling up, and Deno exits without waiting for that pool: nothing more is needed.
  dedicated: (key) => raw[key],
  // A Worker's global scope (a web Worker's, and a node:worker_threads one's, which lacks
  // WorkerGlobalScope) has postMessage; the main thread's window has none.
  inWorker: typeof (globalThis as { postMessage?: unknown }).postMessage === "function",
};
