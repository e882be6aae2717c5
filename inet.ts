/**
 * Byte order and address text conversions: htons, ntohs, htonl, ntohl,
 * inet_aton, inet_ntoa, inet_pton, inet_ntop, with Python's errors.
 *
 * @module
 */
import { ffi } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, invalidAddress } from "./errors.ts";
import { decodeCString, littleEndian } from "./cmem.ts";
import {
  checkArgs,
  checkOneArgument,
  cString,
  pyTypeName,
  toBytes,
  toCInt,
  toInt,
  toStr,
} from "./args.ts";

const AF_INET = table.constants.AF_INET;
const AF_INET6 = table.constants.AF_INET6;

function swap16(n: number): number {
  return littleEndian ? ((n & 0xff) << 8) | (n >>> 8) : n;
}
function swap32(n: number): number {
  if (!littleEndian) return n;
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}
function u16(value: unknown, fn: string): number {
  // Python converts to a C long, then a C int, then checks the 16-bit range.
  const n = toInt(value);
  if (Math.abs(n) >= 2 ** 63) throw new RangeError("Python int too large to convert to C long");
  if (n > 0x7fffffff) throw new RangeError("signed integer is greater than maximum");
  if (n < -0x80000000) throw new RangeError("signed integer is less than minimum");
  if (n < 0) {
    throw new RangeError(`${fn}: can't convert negative Python int to C 16-bit unsigned integer`);
  }
  if (n > 0xffff) {
    throw new RangeError(`${fn}: Python int too large to convert to C 16-bit unsigned integer`);
  }
  return n;
}
function u32(value: unknown): number {
  const integral = typeof value === "number" ? Number.isInteger(value) : typeof value === "bigint";
  if (!integral && typeof value !== "boolean") {
    throw new TypeError(`expected int, ${pyTypeName(value)} found`);
  }
  const n = toInt(value);
  if (n < 0) throw new RangeError("can't convert negative value to unsigned int");
  if (n > 0xffffffff) throw new RangeError("int larger than 32 bits");
  return n;
}

/**
 * Converts a 16-bit positive integer from host to network byte order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { htons } from "./inet.ts";
 * assert.strictEqual(htons(1), 256); // on little-endian machines
 * ```
 */
export function htons(x: number): number {
  checkArgs("htons", arguments.length, 1, 1);
  return swap16(u16(x, "htons"));
}

/**
 * Converts a 16-bit positive integer from network to host byte order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ntohs } from "./inet.ts";
 * assert.strictEqual(ntohs(256), 1); // on little-endian machines
 * ```
 */
export function ntohs(x: number): number {
  checkArgs("ntohs", arguments.length, 1, 1);
  return swap16(u16(x, "ntohs"));
}

/**
 * Converts a 32-bit positive integer from host to network byte order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { htonl } from "./inet.ts";
 * assert.strictEqual(htonl(1), 16777216); // on little-endian machines
 * ```
 */
export function htonl(x: number): number {
  checkOneArgument("_socket.htonl", arguments.length);
  return swap32(u32(x));
}

/**
 * Converts a 32-bit positive integer from network to host byte order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ntohl } from "./inet.ts";
 * assert.strictEqual(ntohl(16777216), 1); // on little-endian machines
 * ```
 */
export function ntohl(x: number): number {
  checkOneArgument("_socket.ntohl", arguments.length);
  return swap32(u32(x));
}

/**
 * Converts an IPv4 address in the C library's dotted forms ("127.1", "0x7f.1")
 * to 4 packed bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { inet_aton } from "./inet.ts";
 * assert.deepStrictEqual(inet_aton("127.1"), new Uint8Array([127, 0, 0, 1]));
 * ```
 */
export function inet_aton(ip_string: string): Uint8Array {
  checkArgs("inet_aton", arguments.length, 1, 1);
  const text = toStr(ip_string, "inet_aton", 1);
  const c = cString(text);
  const out = new Uint8Array(4);
  if (ffi.libc.inet_aton(c, out) === 0) {
    throw invalidAddress("illegal IP address string passed to inet_aton", "inet_aton");
  }
  return out;
}

/**
 * Converts 4 packed bytes to the dotted-quad string.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { inet_ntoa } from "./inet.ts";
 * assert.strictEqual(inet_ntoa(new Uint8Array([127, 0, 0, 1])), "127.0.0.1");
 * ```
 */
export function inet_ntoa(packed_ip: ArrayBufferView): string {
  checkArgs("inet_ntoa", arguments.length, 1, 1);
  const b = toBytes(packed_ip);
  if (b.length !== 4) throw invalidAddress("packed IP wrong length for inet_ntoa", "inet_ntoa");
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * Converts an address string of `address_family` (AF_INET or AF_INET6) to packed bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { inet_pton } from "./inet.ts";
 * import { AF_INET6 } from "./mod.ts";
 * assert.deepStrictEqual(inet_pton(AF_INET6, "::1"), new Uint8Array([...new Array(15).fill(0), 1]));
 * ```
 */
export function inet_pton(address_family: number, ip_string: string): Uint8Array {
  checkArgs("inet_pton", arguments.length, 2, 2);
  const af = toInt(address_family);
  const text = toStr(ip_string, "inet_pton", 2);
  const c = cString(text);
  const out = new Uint8Array(16);
  const r = ffi.libc.inet_pton(toCInt(af), c, out);
  if (r < 0) throw fromErrno(ffi.errno(), "inet_pton");
  if (r === 0) throw invalidAddress("illegal IP address string passed to inet_pton", "inet_pton");
  return af === AF_INET ? out.slice(0, 4) : out;
}

const ntopBuf = new Uint8Array(64);
const ntopDecoder = new TextDecoder();

/**
 * Converts packed bytes of `address_family` (AF_INET: 4 bytes, AF_INET6: 16) to text.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { inet_ntop } from "./inet.ts";
 * import { AF_INET } from "./mod.ts";
 * assert.strictEqual(inet_ntop(AF_INET, new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
 * ```
 */
export function inet_ntop(address_family: number, packed_ip: ArrayBufferView): string {
  checkArgs("inet_ntop", arguments.length, 2, 2);
  const af = toInt(address_family);
  const b = toBytes(packed_ip);
  if (af === AF_INET) {
    if (b.length !== 4) throw new RangeError("invalid length of packed IP address string");
  } else if (af === AF_INET6) {
    if (b.length !== 16) throw new RangeError("invalid length of packed IP address string");
  } else {
    throw new RangeError(`unknown address family ${af}`);
  }
  const src = b.slice();
  if (ffi.libc.inet_ntop(af, src, ntopBuf, ntopBuf.length) === 0) {
    throw fromErrno(ffi.errno(), "inet_ntop");
  }
  return decodeCString(ntopBuf, ntopDecoder);
}
