/**
 * Socket addresses: Python's address forms (tuples, strings, bytes) to `struct sockaddr`
 * bytes and back, for every family the module knows, using the generated layouts (the
 * decoding is sockaddr.ts's, re-exported here).
 *
 * | family     | Python form                                                   |
 * | ---------- | ------------------------------------------------------------- |
 * | AF_INET    | `[host, port]`                                                 |
 * | AF_INET6   | `[host, port, flowinfo, scope_id]` (2 to 4 items in)            |
 * | AF_UNIX    | path string; abstract name as a Uint8Array starting with 0      |
 * | AF_NETLINK | `[pid, groups]`                                               |
 * | AF_PACKET  | `[ifname, proto, pkttype, hatype, addr]` (2 to 5 items in)      |
 * | AF_VSOCK   | `[cid, port]`                                                 |
 * | AF_QIPCRTR | `[node, port]`                                                |
 * | AF_CAN     | `[ifname]`, `[ifname, rx_addr, tx_addr]` (ISOTP), `[ifname, name, pgn, addr]` (J1939) |
 * | AF_ALG     | `[type, name, feat, mask]` (2 to 4 items in)                    |
 * | AF_TIPC    | `[addr_type, v1, v2, v3, scope]` (4 or 5 items in)              |
 *
 * @module
 */
import { ffi } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import type { PlatformTable } from "./constants/types.ts";
import { fromErrno, gaierror, OSError } from "./errors.ts";
import { cString, encodeUtf8, pyTypeName, toBytes, toInt } from "./args.ts";
import { idnaEncode } from "./idna.ts";
import { getaddrinfo } from "./resolve.ts";
import { type SockaddrCodec, sockaddrCodec } from "./sockaddr.ts";
export {
  type Address,
  type AddressInputOf,
  type AddressOf,
  type AddrInfoRecord,
  addrInfoRecord,
  decodeAddress,
  type FamilyConstant,
  familyOf,
  type Inet6Address,
  type Inet6Family,
  type InetAddress,
  type InetFamily,
  type SockAddr,
  SOCKADDR_MAX,
  type SockaddrCodec,
  sockaddrCodec,
  type UnixFamily,
} from "./sockaddr.ts";
export { pyBytes, pyReprValue as reprAddress } from "./repr.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

function view(out: Uint8Array): DataView {
  return new DataView(out.buffer, out.byteOffset, out.byteLength);
}

/** Strict a.b.c.d with each part 0-255 (the fast path; anything else goes to getaddrinfo). */
function parseDottedQuad(name: string): Uint8Array | null {
  const parts = name.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function port16(value: unknown, fn: string, what = "port"): number {
  const n = toInt(value);
  if (n < 0 || n > 0xffff) throw new RangeError(`${fn}(): ${what} must be 0-65535.`);
  return n;
}

function u32wrap(value: unknown): number {
  const n = typeof value === "bigint" ? Number(BigInt.asUintN(32, value)) : toInt(value);
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(n))));
}

/** An AF_UNIX path (a str in the file-system encoding) or AF_ALG field, as bytes. */
function bytesOfPath(address: unknown, fsName = true): Uint8Array {
  if (typeof address === "string") {
    // AF_ALG's fields are C strings: a NUL inside would cut them short.
    if (!fsName && address.includes("\0")) throw new RangeError("embedded null character");
    return encodeUtf8(address, fsName);
  }
  if (ArrayBuffer.isView(address) || address instanceof ArrayBuffer) return toBytes(address);
  throw new TypeError(`a bytes-like object is required, not '${pyTypeName(address)}'`);
}

/** The most items of an address tuple any family reads (AF_PACKET and AF_TIPC take 5). */
const TUPLE_READ_MAX = 64;

/**
 * `address` with each tuple item read exactly once, for callers that both encode an
 * address and check it (net permissions, sendto's cache): a getter or proxy in the tuple
 * cannot show the check one host and the encoder another. Other values are returned as
 * they are (strings are immutable; bytes are read once by the encoder).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { snapshotAddress } from "./address.ts";
 * const address = ["127.0.0.1", 80];
 * const copy = snapshotAddress(address);
 * assert.deepStrictEqual(copy, address);
 * assert.ok(Object.isFrozen(copy));
 * ```
 */
export function snapshotAddress(address: unknown): unknown {
  if (!Array.isArray(address)) return address;
  const n = Math.min(address.length, TUPLE_READ_MAX);
  const copy = new Array(n);
  for (let i = 0; i < n; i++) copy[i] = address[i];
  return Object.freeze(copy);
}

/** Whether `address` is the same value as the snapshot `key` of {@link reusableKey}. */
export function sameAddress(key: readonly unknown[] | string, address: unknown): boolean {
  if (typeof key === "string") return key === address;
  if (!Array.isArray(address) || address.length !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== address[i]) return false;
  return true;
}

/**
 * The address functions of one platform, from its generated table: a pure function of
 * the table's families and layouts (tests run it against the darwin tables on Linux).
 * Host names, IPv6 text and interface names go through the running platform's libc,
 * which takes the running platform's family numbers. The module's functions are the
 * running platform's.
 */
export interface AddressCodec extends SockaddrCodec {
  /** See {@link encodeAddress}. */
  encodeAddress(family: number, address: unknown, out: Uint8Array, fn: string): number;
  /** See {@link reusableKey}. */
  reusableKey(family: number, address: unknown): readonly unknown[] | string | null;
}

const HOST_AF_INET = table.constants.AF_INET!;
const HOST_AF_INET6 = table.constants.AF_INET6!;

/**
 * The {@link AddressCodec} of platform table `t`: its encoding, over the decoding of
 * {@link sockaddrCodec}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { addressCodec } from "./address.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const darwin = addressCodec(table);
 * const out = new Uint8Array(darwin.sockaddrSize);
 * const n = darwin.encodeAddress(table.constants.AF_INET6!, ["::1", 80], out, "bind");
 * assert.deepStrictEqual([n, out[0], out[1]], [28, 28, 30]); // sa_len 28, AF_INET6 30
 * ```
 */
export function addressCodec(t: PlatformTable): AddressCodec {
  const C = t.constants;
  const L = t.layouts;
  const decoding = sockaddrCodec(t);
  const { setFamily } = decoding;
  const SOCKADDR_SIZE = decoding.sockaddrSize;

  const AF_INET = C.AF_INET!;
  const AF_INET6 = C.AF_INET6!;
  const AF_UNIX = C.AF_UNIX!;
  const AF_NETLINK = C.AF_NETLINK;
  const AF_PACKET = C.AF_PACKET;
  const AF_VSOCK = C.AF_VSOCK;
  const AF_QIPCRTR = C.AF_QIPCRTR;
  const AF_CAN = C.AF_CAN;
  const AF_ALG = C.AF_ALG;
  const AF_TIPC = C.AF_TIPC;
  const AF_RDS = C.AF_RDS;

  const IN = L.sockaddr_in;
  const IN6 = L.sockaddr_in6;
  const UN = L.sockaddr_un!;
  const SUN_PATH_SIZE = UN["sun_path$size"] ?? 108;
  /** Linux's abstract namespace: CPython reads a leading NUL so only under `__linux__`. */
  const ABSTRACT_NAMES = t.platform.startsWith("linux");

  function familyName(family: number): string {
    for (const [name, value] of Object.entries(C)) {
      if (value === family && name.startsWith("AF_")) return name;
    }
    return String(family);
  }

  function requireTuple(address: unknown, family: number, fn: string): readonly unknown[] {
    if (!Array.isArray(address)) {
      throw new TypeError(
        `${fn}(): ${familyName(family)} address must be array, not ${pyTypeName(address)}`,
      );
    }
    return address;
  }

  /** The 4 or 16 bytes of a host for AF_INET/AF_INET6, resolved as CPython's setipaddr does. */
  function hostBytes(host: unknown, family: number): Uint8Array {
    let name: string;
    if (typeof host === "string") name = host;
    else if (host instanceof Uint8Array || ArrayBuffer.isView(host)) {
      name = latin1.decode(toBytes(host));
    } else throw new TypeError(`str, bytes or bytearray expected, not ${pyTypeName(host)}`);
    if (name.includes("\0")) throw new TypeError("host name must not contain null character");
    // deno-lint-ignore no-control-regex
    if (typeof host === "string" && !/^[\x00-\x7f]*$/.test(name)) {
      // CPython's idna_converter: a non-ASCII str the "idna" codec refuses (a lone
      // surrogate, say) is a TypeError before any lookup.
      try {
        idnaEncode(name);
      } catch {
        throw new TypeError("encoding of hostname failed");
      }
    }
    const size = family === AF_INET ? 4 : 16;
    if (name === "") {
      // The wildcard address of the family, as getaddrinfo(NULL, ..., AI_PASSIVE) gives.
      return new Uint8Array(size);
    }
    if (family === AF_INET && (name === "<broadcast>" || name === "255.255.255.255")) {
      return new Uint8Array([255, 255, 255, 255]);
    }
    if (family === AF_INET) {
      const quad = parseDottedQuad(name);
      if (quad) return quad;
    } else {
      const out = new Uint8Array(16);
      const c = encoder.encode(name + "\0");
      if (!name.includes("%") && ffi.libc.inet_pton(HOST_AF_INET6, c, out) === 1) return out;
    }
    const hostFamily = family === AF_INET ? HOST_AF_INET : HOST_AF_INET6;
    const infos = getaddrinfo(name, null, hostFamily);
    const first = infos[0];
    if (!first) throw new gaierror(table.constants.EAI_NONAME!, "Name or service not known");
    const resolved = first[4] as readonly unknown[];
    const packed = new Uint8Array(16);
    ffi.libc.inet_pton(hostFamily, encoder.encode(String(resolved[0]) + "\0"), packed);
    return packed.subarray(0, size);
  }

  /**
   * The index of interface `name`. AF_PACKET parses it as Python's "s" (strict UTF-8,
   * "embedded null character"), AF_CAN as a file-system name ("embedded null byte"): a
   * NUL inside is refused rather than cutting the name short.
   */
  function interfaceIndex(name: unknown, fsName = false): number {
    if (typeof name !== "string") {
      throw new TypeError(`str expected, not ${pyTypeName(name)}`);
    }
    const c = fsName
      ? cString(name, () => new RangeError("embedded null byte"), true)
      : cString(name);
    const index = ffi.libc.if_nametoindex(c);
    if (index === 0) throw fromErrno(table.errno.ENODEV!, "if_nametoindex");
    return index;
  }

  /**
   * Writes the sockaddr for `address` of `family` into `out` and returns its length.
   * `fn` names the calling method for Python's messages ("bind(): port must be 0-65535.").
   * `out` must hold at least {@link SOCKADDR_MAX} bytes.
   */
  function encodeAddress(
    family: number,
    address: unknown,
    out: Uint8Array,
    fn: string,
  ): number {
    if (out.length < SOCKADDR_SIZE) throw new RangeError("sockaddr buffer too small");
    out.fill(0, 0, SOCKADDR_SIZE);
    const dv = view(out);
    if (family === AF_INET || family === AF_RDS) {
      const t = requireTuple(address, AF_INET, fn);
      if (t.length !== 2) throw new TypeError("AF_INET address must be a pair (host, port)");
      const port = port16(t[1], fn);
      const host = hostBytes(t[0], AF_INET);
      setFamily(dv, family, IN.size);
      dv.setUint16(IN.sin_port, port, false);
      out.set(host, IN.sin_addr);
      return IN.size;
    }
    if (family === AF_INET6) {
      const t = requireTuple(address, AF_INET6, fn);
      if (t.length < 2 || t.length > 4) {
        throw new TypeError(
          "AF_INET6 address must be an array (host, port[, flowinfo[, scopeid]])",
        );
      }
      const port = port16(t[1], fn);
      const flowinfo = t.length > 2 ? toInt(t[2]) : 0;
      if (flowinfo < 0 || flowinfo > 0xfffff) {
        throw new RangeError(`${fn}(): flowinfo must be 0-1048575.`);
      }
      const scope = t.length > 3 ? u32wrap(t[3]) : 0;
      const host = hostBytes(t[0], AF_INET6);
      setFamily(dv, AF_INET6, IN6.size);
      dv.setUint16(IN6.sin6_port, port, false);
      dv.setUint32(IN6.sin6_flowinfo, flowinfo, false);
      out.set(host, IN6.sin6_addr);
      dv.setUint32(IN6.sin6_scope_id, scope, true);
      return IN6.size;
    }
    if (family === AF_UNIX) {
      const path = bytesOfPath(address);
      // An abstract name (leading NUL) or the empty autobind request has exactly its own
      // length and may fill sun_path; a path also passes its terminating NUL, so needs
      // room for it (macOS's sun_len says the same length). Elsewhere than on Linux a
      // leading NUL is a path's first byte, as in CPython.
      const abstract = path.length === 0 || (ABSTRACT_NAMES && path[0] === 0);
      if (path.length > SUN_PATH_SIZE - (abstract ? 0 : 1)) {
        throw new OSError("AF_UNIX path too long");
      }
      const length = UN.sun_path + path.length + (abstract ? 0 : 1);
      setFamily(dv, AF_UNIX, length);
      out.set(path, UN.sun_path);
      return length;
    }
    if (family === AF_NETLINK && L.sockaddr_nl) {
      const t = requireTuple(address, family, fn);
      if (t.length !== 2) throw new TypeError("AF_NETLINK address must be a pair (pid, groups)");
      const NL = L.sockaddr_nl;
      setFamily(dv, family, NL.size);
      dv.setUint32(NL.nl_pid, u32wrap(t[0]), true);
      dv.setUint32(NL.nl_groups, u32wrap(t[1]), true);
      return NL.size;
    }
    if (family === AF_PACKET && L.sockaddr_ll) {
      const t = requireTuple(address, family, fn);
      if (t.length < 2 || t.length > 5) {
        throw new TypeError("AF_PACKET address must be an array of two to five elements");
      }
      const LL = L.sockaddr_ll;
      // Python's "si|iiy*" parse: a wrong item type gives the tuple message.
      const items = [t[1], t[2] ?? 0, t[3] ?? 0];
      if (typeof t[0] !== "string" || items.some((v) => !Number.isInteger(v))) {
        throw new TypeError("AF_PACKET address must be an array of two to five elements");
      }
      const proto = port16(t[1], fn, "proto");
      const pkttype = t.length > 2 ? toInt(t[2]) : 0;
      const hatype = t.length > 3 ? toInt(t[3]) : 0;
      const addr = t.length > 4 ? toBytes(t[4]) : new Uint8Array(0);
      const addrSize = LL["sll_addr$size"] ?? 8;
      if (addr.length > addrSize) throw new RangeError("Hardware address must be 8 bytes or less");
      if (pkttype < 0 || pkttype > 0xff || hatype < 0 || hatype > 0xffff) {
        throw new RangeError(`${fn}(): pkttype and hatype out of range`);
      }
      const index = interfaceIndex(t[0]);
      setFamily(dv, family, LL.size);
      dv.setUint16(LL.sll_protocol, proto, false);
      dv.setInt32(LL.sll_ifindex, index, true);
      dv.setUint8(LL.sll_pkttype, pkttype);
      dv.setUint16(LL.sll_hatype, hatype, true);
      dv.setUint8(LL.sll_halen, addr.length);
      out.set(addr, LL.sll_addr);
      return LL.size;
    }
    if ((family === AF_VSOCK && L.sockaddr_vm) || (family === AF_QIPCRTR && L.sockaddr_qrtr)) {
      if (!Array.isArray(address)) {
        throw new TypeError(
          `getsockaddrarg: ${familyName(family)} address must be array, not ${pyTypeName(address)}`,
        );
      }
      if (address.length !== 2) {
        throw new TypeError(`getsockaddrarg() takes exactly 2 arguments (${address.length} given)`);
      }
      if (family === AF_VSOCK) {
        const VM = L.sockaddr_vm!;
        setFamily(dv, family, VM.size);
        dv.setUint32(VM.svm_cid, u32wrap(address[0]), true);
        dv.setUint32(VM.svm_port, u32wrap(address[1]), true);
        return VM.size;
      }
      const Q = L.sockaddr_qrtr!;
      setFamily(dv, family, Q.size);
      dv.setUint32(Q.sq_node, u32wrap(address[0]), true);
      dv.setUint32(Q.sq_port, u32wrap(address[1]), true);
      return Q.size;
    }
    if (family === AF_CAN && L.sockaddr_can) {
      const t = requireTuple(address, family, fn);
      if (t.length < 1) throw new TypeError("AF_CAN address must be an array (interface, )");
      const CAN = L.sockaddr_can;
      const index = t[0] === "" ? 0 : interfaceIndex(t[0], true);
      setFamily(dv, family, CAN.size);
      dv.setInt32(CAN.can_ifindex, index, true);
      if (t.length === 3) {
        // ISO-TP: rx_id, tx_id
        dv.setUint32(CAN.can_addr, u32wrap(t[1]), true);
        dv.setUint32(CAN.can_addr + 4, u32wrap(t[2]), true);
      } else if (t.length === 4) {
        // J1939: name (u64), pgn (u32), addr (u8)
        dv.setBigUint64(
          CAN.can_addr,
          BigInt.asUintN(64, typeof t[1] === "bigint" ? t[1] : BigInt(toInt(t[1]))),
          true,
        );
        dv.setUint32(CAN.can_addr + 8, u32wrap(t[2]), true);
        dv.setUint8(CAN.can_addr + 12, toInt(t[3]) & 0xff);
      }
      return CAN.size;
    }
    if (family === AF_ALG && L.sockaddr_alg) {
      const t = requireTuple(address, family, fn);
      if (t.length < 2 || t.length > 4) {
        throw new TypeError("AF_ALG address must be an array (type, name[, feat[, mask]])");
      }
      const A = L.sockaddr_alg;
      const type = bytesOfPath(t[0], false);
      const name = bytesOfPath(t[1], false);
      if (type.length >= (A["salg_type$size"] ?? 14)) throw new RangeError("AF_ALG type too long.");
      if (name.length >= (A["salg_name$size"] ?? 64)) throw new RangeError("AF_ALG name too long.");
      setFamily(dv, family, A.size);
      out.set(type, A.salg_type);
      out.set(name, A.salg_name);
      dv.setUint32(A.salg_feat, t.length > 2 ? u32wrap(t[2]) : 0, true);
      dv.setUint32(A.salg_mask, t.length > 3 ? u32wrap(t[3]) : 0, true);
      return A.size;
    }
    if (family === AF_TIPC && L.sockaddr_tipc) {
      const t = requireTuple(address, family, fn);
      if (t.length < 4 || t.length > 5) {
        throw new TypeError("AF_TIPC address must be an array (addr_type, v1, v2, v3[, scope])");
      }
      const T = L.sockaddr_tipc;
      setFamily(dv, family, T.size);
      dv.setUint8(T.addrtype, toInt(t[0]) & 0xff);
      dv.setInt8(T.scope, t.length > 4 ? toInt(t[4]) : 0);
      dv.setUint32(T.addr, u32wrap(t[1]), true);
      dv.setUint32(T.addr + 4, u32wrap(t[2]), true);
      dv.setUint32(T.addr + 8, u32wrap(t[3]), true);
      return T.size;
    }
    throw new OSError(`${fn}(): bad family`);
  }

  /**
   * A snapshot of `address` under which its encoding may be reused (sendto's destination
   * cache), or null when it may not: only forms whose encoding involves no lookup that
   * could change (numeric IP hosts, AF_UNIX path strings, all-number tuples).
   */
  function reusableKey(family: number, address: unknown): readonly unknown[] | string | null {
    if (typeof address === "string") return family === AF_UNIX ? address : null;
    if (!Array.isArray(address) || address.length > 5) return null;
    for (let i = 1; i < address.length; i++) if (typeof address[i] !== "number") return null;
    const host = address[0];
    if (family === AF_INET) {
      if (typeof host !== "string" || (host !== "" && parseDottedQuad(host) === null)) return null;
    } else if (family === AF_INET6) {
      if (typeof host !== "string" || host.includes("%") || !host.includes(":")) return null;
    } else if (typeof host !== "number") {
      return null;
    }
    return Object.freeze(address.slice());
  }

  return { ...decoding, encodeAddress, reusableKey };
}

/** The running platform's encoding, behind the module's functions. */
const running = addressCodec(table);

/**
 * Writes the sockaddr for `address` of `family` into `out` and returns its length.
 * `fn` names the calling method for Python's messages ("bind(): port must be 0-65535.").
 * `out` must hold at least {@link SOCKADDR_MAX} bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeAddress, familyOf, SOCKADDR_MAX } from "./address.ts";
 * import { table } from "./constants/mod.ts";
 * const AF_INET = table.constants.AF_INET!;
 * const out = new Uint8Array(SOCKADDR_MAX);
 * assert.strictEqual(encodeAddress(AF_INET, ["127.0.0.1", 80], out, "bind"), 16);
 * assert.strictEqual(familyOf(out), AF_INET);
 * ```
 */
export const encodeAddress: (
  family: number,
  address: unknown,
  out: Uint8Array,
  fn: string,
) => number = running.encodeAddress;

/**
 * A snapshot of `address` under which its encoding may be reused (sendto's destination
 * cache), or null when it may not: only forms whose encoding involves no lookup that
 * could change (numeric IP hosts, AF_UNIX path strings, all-number tuples).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { reusableKey } from "./address.ts";
 * assert.deepStrictEqual(reusableKey(2, ["127.0.0.1", 80]), ["127.0.0.1", 80]);
 * assert.strictEqual(reusableKey(2, ["localhost", 80]), null); // a lookup may change
 * ```
 */
export const reusableKey: (family: number, address: unknown) => readonly unknown[] | string | null =
  running.reusableKey;
