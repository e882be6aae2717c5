/**
 * Network interface names and indexes: if_nameindex, if_nametoindex,
 * if_indextoname, with Python's results and errors.
 *
 * @module
 */
import { ffi, libc } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, OSError } from "./errors.ts";
import { decodeCString, littleEndian, nulTerminated } from "./cmem.ts";
import { checkArgs, checkNoArguments, checkOneArgument, encodeUtf8, pyTypeName } from "./args.ts";

const NI = table.layouts.if_nameindex;
const IF_NAMESIZE = table.sys.IF_NAMESIZE;

/**
 * Every network interface as `[index, name]`, as Python's `socket.if_nameindex`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { if_nameindex } from "./interfaces.ts";
 * const interfaces = if_nameindex(); // e.g. [[1, "lo"], [2, "eth0"]]
 * assert.ok(interfaces.some(([, name]) => name === "lo")); // on Linux
 * ```
 */
export function if_nameindex(): [index: number, name: string][] {
  checkNoArguments("_socket.if_nameindex", arguments.length);
  const head = libc.if_nameindex();
  if (head === 0 || head === 0n) throw fromErrno(ffi.errno(), "if_nameindex");
  try {
    const out: [number, string][] = [];
    for (let p = BigInt(head);; p += BigInt(NI.size)) {
      const index = new DataView(ffi.peek(p, NI.size).buffer).getUint32(NI.if_index, littleEndian);
      if (index === 0) return out;
      out.push([index, ffi.cstring(ffi.readPointer(p, NI.if_name))]);
    }
  } finally {
    libc.if_freenameindex(head);
  }
}

/**
 * The index of the network interface named `if_name`, as Python's
 * `socket.if_nametoindex`. Throws OSError "no interface with this name" when none.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { if_nametoindex } from "./interfaces.ts";
 * assert.strictEqual(if_nametoindex("lo"), 1); // on Linux
 * ```
 */
export function if_nametoindex(if_name: string | Uint8Array): number {
  checkArgs("if_nametoindex", arguments.length, 1, 1);
  let bytes: Uint8Array;
  if (typeof if_name === "string") bytes = encodeUtf8(if_name, true);
  else if (if_name instanceof Uint8Array) bytes = if_name;
  else {
    throw new TypeError(`expected str, bytes or os.PathLike object, not ${pyTypeName(if_name)}`);
  }
  if (bytes.includes(0)) throw new RangeError("embedded null byte");
  const index = libc.if_nametoindex(nulTerminated(bytes));
  if (index === 0) throw new OSError("no interface with this name");
  return index;
}

/**
 * The name of the network interface with index `if_index`, as Python's
 * `socket.if_indextoname`. Throws OSError ENXIO when there is none, TypeError for a
 * non-integer, RangeError (Python's OverflowError) for an index outside C's
 * unsigned int.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { if_indextoname } from "./interfaces.ts";
 * assert.strictEqual(if_indextoname(1), "lo"); // on Linux
 * ```
 */
export function if_indextoname(if_index: number): string {
  checkOneArgument("_socket.if_indextoname", arguments.length);
  let index: bigint;
  if (typeof if_index === "number" && Number.isInteger(if_index)) index = BigInt(if_index);
  else if (typeof if_index === "bigint") index = if_index;
  else if (typeof if_index === "boolean") index = if_index ? 1n : 0n;
  else throw new TypeError("an integer is required");
  if (index < 0n) throw new RangeError("can't convert negative value to unsigned int");
  if (index >= 1n << 64n) {
    throw new RangeError("Python int too large to convert to C unsigned long");
  }
  if (index > 0xffffffffn) throw new RangeError("index is too large");
  const name = new Uint8Array(Math.max(IF_NAMESIZE + 1, 64));
  const found = libc.if_indextoname(Number(index), name);
  if (found === 0 || found === 0n) throw fromErrno(ffi.errno(), "if_indextoname");
  return decodeCString(name);
}
