/**
 * The Deno backend: binds the libc symbol table with `Deno.dlopen`.
 *
 * @module
 */
import { type Backend, type Libc, type SymbolDef, symbols } from "./symbols.ts";

const os = Deno.build.os;
const arch = Deno.build.arch;
/** "gnu" or "musl" on Linux, from the target triple Deno was built for. */
const libcFlavour = os === "linux" ? (Deno.build.target.endsWith("musl") ? "musl" : "gnu") : "";

/** The shared library that holds the socket API on this platform. */
function libraryPath(): string {
  if (os === "darwin") return "libSystem.B.dylib";
  if (os === "linux") return libcFlavour === "musl" ? "libc.so" : "libc.so.6";
  throw new Error(`socket: unsupported operating system ${os}`);
}

/** C names that differ per platform from the table's. */
function renamed(key: string, def: SymbolDef): SymbolDef {
  if (key === "errno_location" && os === "darwin") return { ...def, name: "__error" };
  if (key === "strerror_r" && libcFlavour === "gnu") return { ...def, name: "__xpg_strerror_r" };
  return def;
}

/** Symbols absent on a platform (Linux-only calls on macOS). */
function available(key: string): boolean {
  if (os !== "darwin") return true;
  return !/^(epoll_|eventfd$|accept4$|sendfile$|gethostbyname2_r|gethostbyaddr_r|get(serv|proto)by)/
    .test(key);
}

function load(): Libc {
  const table: Record<string, SymbolDef> = {};
  for (const [key, def] of Object.entries(symbols)) {
    if (available(key)) table[key] = renamed(key, def);
  }
  try {
    return Deno.dlopen(libraryPath(), table as Deno.ForeignLibraryInterface)
      .symbols as unknown as Libc;
  } catch (cause) {
    throw new Error(
      `socket: could not load ${libraryPath()} (run with --allow-ffi)`,
      { cause },
    );
  }
}

const libc = load();
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

/** The Deno implementation of the backend interface. */
export const backend: Backend = {
  platformId: `${os}_${arch}${libcFlavour ? "_" + libcFlavour : ""}`,
  libc,
  errno: () => errnoCell[0],
  setErrno: (value: number) => {
    errnoCell[0] = value;
  },
  peek(address, length) {
    const out = new Uint8Array(length);
    if (length > 0) new Deno.UnsafePointerView(pointer(address)).copyInto(out);
    return out;
  },
  cstring: (address) => Deno.UnsafePointerView.getCString(pointer(address)),
  readPointer(address, offset) {
    const p = new Deno.UnsafePointerView(pointer(address)).getPointer(offset);
    return p === null ? 0n : BigInt(Deno.UnsafePointer.value(p));
  },
  addressOf: (view) =>
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>))),
};
