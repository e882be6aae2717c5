/**
 * Platform facts for the backends that run on Node's APIs (ffi/node.ts under Node,
 * ffi/bun.ts under Bun): the OS, architecture and libc, the library to load, and the
 * per-platform symbol rules of the shared table.
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import {
  cSymbol,
  isAvailable,
  type Libc,
  stackVariadicCalls,
  stackVariadicDef,
  type SymbolDef,
  variadicOnStack,
} from "./symbols.ts";

/** The operating system, as Node names it ("linux", "darwin"). */
export const os: string = process.platform;
/** The architecture, as the platform ids name it ("x86_64", "aarch64"). */
export const arch: string =
  ({ x64: "x86_64", arm64: "aarch64" } as Record<string, string>)[process.arch] ?? process.arch;
/** "gnu" or "musl" on Linux; "" elsewhere. */
export const libcFlavour: string = os === "linux" ? linuxLibc() : "";

function linuxLibc(): "gnu" | "musl" {
  // The C library this process runs on (a musl loader merely installed beside glibc says
  // nothing).
  try {
    return /\/ld-musl-|\/libc\.musl-/.test(readFileSync("/proc/self/maps", "utf8"))
      ? "musl"
      : "gnu";
  } catch {
    return "gnu";
  }
}

/** The platform id that picks the generated constants table, e.g. `linux_x86_64_gnu`. */
export const platformId: string = `${os}_${arch}${libcFlavour ? "_" + libcFlavour : ""}`;

/** The shared library that holds the socket API on this platform. */
export function libraryPath(): string {
  if (os === "darwin") return "libSystem.B.dylib";
  if (os === "linux") return libcFlavour === "musl" ? "libc.so" : "libc.so.6";
  throw new Error(`socket: unsupported operating system ${os}`);
}

/** The C name of table entry `key` here. */
export function cName(key: string, def: SymbolDef): string {
  return cSymbol(key, def, os, libcFlavour, arch);
}

const VARIADIC_ON_STACK = variadicOnStack(os, arch);

/** The signature to bind table entry `key` with here (padded variadics on macOS arm64). */
export function binding(key: string, def: SymbolDef): SymbolDef {
  return VARIADIC_ON_STACK ? stackVariadicDef(key, def) : def;
}

/** The bound library, with `fcntl`/`open` called through their padded bindings where needed. */
export function withVariadics(libc: Libc): Libc {
  return VARIADIC_ON_STACK ? { ...libc, ...stackVariadicCalls(libc) } : libc;
}

/**
 * What a backend's thread of its own (`dedicated`) calls: a C function of a library, and
 * how its error is read.
 */
export interface ThreadTarget {
  /** The library to load ("libc.so.6", "ws2_32.dll"). */
  path: string;
  /** The C function. */
  name: string;
  /** Its signature, in the table's types. */
  def: SymbolDef;
  /** A function of the same library returning the call's error (else errno is read). */
  lastError?: string;
}

/** Whether this platform's libc has table entry `key`. */
export function available(key: string): boolean {
  return isAvailable(key, os, libcFlavour);
}
