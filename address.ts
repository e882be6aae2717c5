/**
 * Socket addresses: Python's address forms (tuples, strings, bytes) to `struct sockaddr`
 * bytes and back, for every family the module knows, using the generated layouts.
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
import type { PlatformTable, StructLayout } from "./constants/types.ts";
import { fromErrno, gaierror, OSError, pyRepr } from "./errors.ts";
import { pyTypeName, toBytes, toInt } from "./args.ts";
import { getaddrinfo } from "./resolve.ts";

/** An IPv4 address: `[host, port]`. */
export type InetAddress = readonly [host: string, port: number];
/** An IPv6 address: `[host, port, flowinfo, scope_id]`. */
export type Inet6Address = readonly [
  host: string,
  port: number,
  flowinfo: number,
  scope_id: number,
];
/**
 * Any decoded socket address, as Python gives it: a tuple, a path string, an
 * abstract AF_UNIX name (Uint8Array), or raw bytes for an unknown family.
 */
export type SockAddr =
  | InetAddress
  | Inet6Address
  | string
  | Uint8Array
  | readonly (string | number | Uint8Array)[];
/** What may be passed where an address is expected (tuples, strings, bytes). */
export type Address = SockAddr | readonly unknown[];

/** Bytes enough for any sockaddr (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_MAX: number = table.layouts.sockaddr_storage.size;

const encoder = new TextEncoder();
const utf8 = new TextDecoder();
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

function bytesOfPath(address: unknown): Uint8Array {
  if (typeof address === "string") return encoder.encode(address);
  if (ArrayBuffer.isView(address) || address instanceof ArrayBuffer) return toBytes(address);
  throw new TypeError(`a bytes-like object is required, not '${pyTypeName(address)}'`);
}

/** Whether `address` is the same value as the snapshot `key` of {@link reusableKey}. */
export function sameAddress(key: readonly unknown[] | string, address: unknown): boolean {
  if (typeof key === "string") return key === address;
  if (!Array.isArray(address) || address.length !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== address[i]) return false;
  return true;
}

function cField(buf: Uint8Array, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * The address functions of one platform, from its generated table: a pure function of
 * the table's families and layouts (tests run it against the darwin tables on Linux).
 * Host names, IPv6 text and interface names go through the running platform's libc,
 * which takes the running platform's family numbers. The module's functions are the
 * running platform's.
 */
export interface AddressCodec {
  /** `sizeof(struct sockaddr_storage)`. */
  readonly sockaddrSize: number;
  /** The address family stored in a sockaddr. */
  familyOf(buf: Uint8Array): number;
  /** See {@link encodeAddress}. */
  encodeAddress(family: number, address: unknown, out: Uint8Array, fn: string): number;
  /** See {@link decodeAddress}. */
  decodeAddress(buf: Uint8Array, length: number): SockAddr;
  /** See {@link reusableKey}. */
  reusableKey(family: number, address: unknown): readonly unknown[] | string | null;
}

const HOST_AF_INET = table.constants.AF_INET!;
const HOST_AF_INET6 = table.constants.AF_INET6!;

/**
 * The {@link AddressCodec} of platform table `t`.
 *
 * @example
 * ```ts
 * import { addressCodec } from "./address.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const darwin = addressCodec(table);
 * const out = new Uint8Array(darwin.sockaddrSize);
 * const n = darwin.encodeAddress(table.constants.AF_INET6!, ["::1", 80], out, "bind");
 * console.log(n, out[0], out[1]); // 28 28 30
 * ```
 */
export function addressCodec(t: PlatformTable): AddressCodec {
  const C = t.constants;
  const L = t.layouts;
  const SOCKADDR_SIZE = L.sockaddr_storage.size;

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
  const FAMILY_OFFSET = L.sockaddr.sa_family;
  /** macOS and the BSDs lead every sockaddr with a length byte. */
  const SA_LEN = L.sockaddr.sa_len;
  /** Where sa_data starts: after sa_family (2 bytes), or after sa_len and sa_family. */
  const DATA_OFFSET = FAMILY_OFFSET + (L.sockaddr["sa_family$size"] ?? 2);

  function setFamily(dv: DataView, family: number, length: number): void {
    if (SA_LEN !== undefined) {
      dv.setUint8(SA_LEN, length);
      dv.setUint8(FAMILY_OFFSET, family);
    } else {
      dv.setUint16(FAMILY_OFFSET, family, true);
    }
  }

  /** The address family stored in a sockaddr. */
  function familyOf(buf: Uint8Array): number {
    return SA_LEN !== undefined
      ? buf[FAMILY_OFFSET]
      : buf[FAMILY_OFFSET] | (buf[FAMILY_OFFSET + 1] << 8);
  }

  function familyName(family: number): string {
    for (const [name, value] of Object.entries(C)) {
      if (value === family && name.startsWith("AF_")) return name;
    }
    return String(family);
  }

  function requireTuple(address: unknown, family: number, fn: string): readonly unknown[] {
    if (!Array.isArray(address)) {
      throw new TypeError(
        `${fn}(): ${familyName(family)} address must be tuple, not ${pyTypeName(address)}`,
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

  function interfaceIndex(name: unknown): number {
    if (typeof name !== "string") {
      throw new TypeError(`str expected, not ${pyTypeName(name)}`);
    }
    const c = encoder.encode(name + "\0");
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
          "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])",
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
      if (path.length >= SUN_PATH_SIZE) throw new OSError("AF_UNIX path too long");
      // An abstract name (leading NUL) or the empty autobind request has exactly its own
      // length; a path also passes its terminating NUL (macOS's sun_len says the same).
      const abstract = path.length === 0 || path[0] === 0;
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
        throw new TypeError("AF_PACKET address must be a tuple of two to five elements");
      }
      const LL = L.sockaddr_ll;
      // Python's "si|iiy*" parse: a wrong item type gives the tuple message.
      const items = [t[1], t[2] ?? 0, t[3] ?? 0];
      if (typeof t[0] !== "string" || items.some((v) => !Number.isInteger(v))) {
        throw new TypeError("AF_PACKET address must be a tuple of two to five elements");
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
          `getsockaddrarg: ${familyName(family)} address must be tuple, not ${pyTypeName(address)}`,
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
      if (t.length < 1) throw new TypeError("AF_CAN address must be a tuple (interface, )");
      const CAN = L.sockaddr_can;
      const index = t[0] === "" ? 0 : interfaceIndex(t[0]);
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
        throw new TypeError("AF_ALG address must be a tuple (type, name[, feat[, mask]])");
      }
      const A = L.sockaddr_alg;
      const type = bytesOfPath(t[0]);
      const name = bytesOfPath(t[1]);
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
        throw new TypeError("AF_TIPC address must be a tuple (addr_type, v1, v2, v3[, scope])");
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

  /** The last IPv4 address decoded, reused while the peer stays the same (no allocation). */
  let lastInet: InetAddress = ["0.0.0.0", 0];
  let lastInetKey = -1;
  let lastInetPort = -1;
  const ntopBuf = new Uint8Array(64);

  function ipv6Text(buf: Uint8Array, offset: number): string {
    ffi.libc.inet_ntop(HOST_AF_INET6, buf.subarray(offset, offset + 16), ntopBuf, ntopBuf.length);
    return latin1.decode(ntopBuf.subarray(0, ntopBuf.indexOf(0)));
  }

  function interfaceName(index: number): string {
    if (index === 0) return "";
    const name = new Uint8Array(64);
    if (ffi.libc.if_indextoname(index, name) === 0) return "";
    return latin1.decode(name.subarray(0, name.indexOf(0)));
  }

  /**
   * Turns the sockaddr in `buf[0..length)` into Python's form for its family. Only the
   * `length` bytes the kernel returned are read.
   */
  function decodeAddress(buf: Uint8Array, length: number): SockAddr {
    if (length > buf.length) throw new RangeError("sockaddr length exceeds its buffer");
    if (length < DATA_OFFSET) {
      // Nothing returned (an unnamed peer of a datagram socket, for instance).
      return length === 0 ? "" : buf.slice(0, length);
    }
    const family = familyOf(buf);
    if ((family === AF_INET || family === AF_RDS) && length >= IN.size) {
      // The hot path of recvfrom: plain byte reads, and the previous tuple again while
      // the peer stays the same.
      const p = IN.sin_port;
      const a = IN.sin_addr;
      const port = (buf[p] << 8) | buf[p + 1];
      const key = ((buf[a] << 24) | (buf[a + 1] << 16) | (buf[a + 2] << 8) | buf[a + 3]) >>> 0;
      if (key !== lastInetKey || port !== lastInetPort) {
        lastInet = Object.freeze(
          [`${buf[a]}.${buf[a + 1]}.${buf[a + 2]}.${buf[a + 3]}`, port] as const,
        );
        lastInetKey = key;
        lastInetPort = port;
      }
      return lastInet;
    }
    let dv = view(buf);
    if (family === AF_INET6 && length >= IN6.size) {
      return Object.freeze(
        [
          ipv6Text(buf, IN6.sin6_addr),
          dv.getUint16(IN6.sin6_port, false),
          dv.getUint32(IN6.sin6_flowinfo, false),
          dv.getUint32(IN6.sin6_scope_id, true),
        ] as const,
      );
    }
    if (family === AF_UNIX) {
      const start = UN.sun_path;
      if (length <= start) return "";
      const path = buf.subarray(start, length);
      if (path[0] === 0) return path.slice();
      const end = path.indexOf(0);
      return utf8.decode(end < 0 ? path : path.subarray(0, end));
    }
    if (length < buf.length || buf.length < SOCKADDR_SIZE) {
      // The other families read fixed fields: past the kernel's length they read zeros,
      // never what the buffer held before.
      const padded = new Uint8Array(Math.max(length, SOCKADDR_SIZE));
      padded.set(buf.subarray(0, length));
      buf = padded;
      dv = view(buf);
    }
    if (family === AF_NETLINK && L.sockaddr_nl) {
      const NL = L.sockaddr_nl;
      return Object.freeze([dv.getUint32(NL.nl_pid, true), dv.getUint32(NL.nl_groups, true)]);
    }
    if (family === AF_PACKET && L.sockaddr_ll) {
      const LL = L.sockaddr_ll;
      const halen = Math.min(buf[LL.sll_halen], LL["sll_addr$size"] ?? 8);
      return Object.freeze([
        interfaceName(dv.getInt32(LL.sll_ifindex, true)),
        dv.getUint16(LL.sll_protocol, false),
        buf[LL.sll_pkttype],
        dv.getUint16(LL.sll_hatype, true),
        buf.slice(LL.sll_addr, LL.sll_addr + halen),
      ]);
    }
    if (family === AF_VSOCK && L.sockaddr_vm) {
      const VM = L.sockaddr_vm;
      return Object.freeze([dv.getUint32(VM.svm_cid, true), dv.getUint32(VM.svm_port, true)]);
    }
    if (family === AF_QIPCRTR && L.sockaddr_qrtr) {
      const Q = L.sockaddr_qrtr;
      return Object.freeze([dv.getUint32(Q.sq_node, true), dv.getUint32(Q.sq_port, true)]);
    }
    if (family === AF_CAN && L.sockaddr_can) {
      return Object.freeze([interfaceName(dv.getInt32(L.sockaddr_can.can_ifindex, true))]);
    }
    if (family === AF_ALG && L.sockaddr_alg) {
      const A = L.sockaddr_alg;
      return Object.freeze([
        cField(buf, A.salg_type, A["salg_type$size"] ?? 14),
        cField(buf, A.salg_name, A["salg_name$size"] ?? 64),
        dv.getUint32(A.salg_feat, true),
        dv.getUint32(A.salg_mask, true),
      ]);
    }
    if (family === AF_TIPC && L.sockaddr_tipc) {
      const T = L.sockaddr_tipc;
      return Object.freeze([
        buf[T.addrtype],
        dv.getUint32(T.addr, true),
        dv.getUint32(T.addr + 4, true),
        dv.getUint32(T.addr + 8, true),
        dv.getInt8(T.scope),
      ]);
    }
    // Unknown family: Python gives (family, raw bytes).
    return Object.freeze([family, buf.slice(DATA_OFFSET, length)]);
  }

  return { sockaddrSize: SOCKADDR_SIZE, familyOf, encodeAddress, decodeAddress, reusableKey };
}

const running = addressCodec(table);

/**
 * The address family stored in a sockaddr.
 *
 * @example
 * ```ts
 * import { encodeAddress, familyOf, SOCKADDR_MAX } from "./address.ts";
 * const out = new Uint8Array(SOCKADDR_MAX);
 * encodeAddress(2, ["127.0.0.1", 80], out, "bind");
 * console.log(familyOf(out)); // 2
 * ```
 */
export const familyOf: (buf: Uint8Array) => number = running.familyOf;

/**
 * Writes the sockaddr for `address` of `family` into `out` and returns its length.
 * `fn` names the calling method for Python's messages ("bind(): port must be 0-65535.").
 * `out` must hold at least {@link SOCKADDR_MAX} bytes.
 *
 * @example
 * ```ts
 * import { encodeAddress, SOCKADDR_MAX } from "./address.ts";
 * const out = new Uint8Array(SOCKADDR_MAX);
 * console.log(encodeAddress(2, ["127.0.0.1", 80], out, "bind")); // 16
 * ```
 */
export const encodeAddress: (
  family: number,
  address: unknown,
  out: Uint8Array,
  fn: string,
) => number = running.encodeAddress;

/**
 * Turns the sockaddr in `buf[0..length)` into Python's form for its family. Only the
 * `length` bytes the kernel returned are read.
 *
 * @example
 * ```ts
 * import { decodeAddress, encodeAddress, SOCKADDR_MAX } from "./address.ts";
 * const out = new Uint8Array(SOCKADDR_MAX);
 * const n = encodeAddress(2, ["127.0.0.1", 80], out, "bind");
 * console.log(decodeAddress(out, n)); // ["127.0.0.1", 80]
 * ```
 */
export const decodeAddress: (buf: Uint8Array, length: number) => SockAddr = running.decodeAddress;

/**
 * A snapshot of `address` under which its encoding may be reused (sendto's destination
 * cache), or null when it may not: only forms whose encoding involves no lookup that
 * could change (numeric IP hosts, AF_UNIX path strings, all-number tuples).
 *
 * @example
 * ```ts
 * import { reusableKey } from "./address.ts";
 * console.log(reusableKey(2, ["127.0.0.1", 80])); // ["127.0.0.1", 80]
 * ```
 */
export const reusableKey: (family: number, address: unknown) => readonly unknown[] | string | null =
  running.reusableKey;

/** One `struct addrinfo` as copied out: its numbers, and its pointers as addresses. */
export interface AddrInfoRecord {
  /** ai_flags. */
  flags: number;
  /** ai_family. */
  family: number;
  /** ai_socktype. */
  socktype: number;
  /** ai_protocol. */
  protocol: number;
  /** ai_addrlen. */
  addrlen: number;
  /** ai_addr (0n for NULL). */
  addr: bigint;
  /** ai_canonname (0n for NULL). */
  canonname: bigint;
  /** ai_next (0n at the end). */
  next: bigint;
}

/**
 * Reads one copied `struct addrinfo` by a platform's layout (`L.addrinfo`) and pointer
 * size: a pure function of the table (macOS puts ai_canonname before ai_addr, Linux
 * after; Windows' ai_addrlen is a size_t).
 *
 * @example
 * ```ts
 * import { addrInfoRecord } from "./address.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const bytes = new Uint8Array(table.layouts.addrinfo.size);
 * bytes[table.layouts.addrinfo.ai_family] = 30;
 * console.log(addrInfoRecord(bytes, table.layouts.addrinfo, 8).family); // 30
 * ```
 */
export function addrInfoRecord(
  bytes: Uint8Array,
  layout: StructLayout,
  pointerSize: number,
): AddrInfoRecord {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, layout.size);
  const pointer = (offset: number) =>
    pointerSize === 8 ? dv.getBigUint64(offset, true) : BigInt(dv.getUint32(offset, true));
  const lenSize = layout["ai_addrlen$size"] ?? 4;
  return {
    flags: dv.getInt32(layout.ai_flags, true),
    family: dv.getInt32(layout.ai_family, true),
    socktype: dv.getInt32(layout.ai_socktype, true),
    protocol: dv.getInt32(layout.ai_protocol, true),
    addrlen: lenSize === 8
      ? Number(dv.getBigUint64(layout.ai_addrlen, true))
      : dv.getUint32(layout.ai_addrlen, true),
    addr: pointer(layout.ai_addr),
    canonname: pointer(layout.ai_canonname),
    next: pointer(layout.ai_next),
  };
}

/** Formats a decoded address as Python's repr, for socket repr. */
export function reprAddress(address: SockAddr): string {
  if (typeof address === "string") return pyRepr(address);
  if (address instanceof Uint8Array) return pyBytes(address);
  return "(" +
    address.map((v) =>
      typeof v === "string" ? pyRepr(v) : v instanceof Uint8Array ? pyBytes(v) : String(v)
    ).join(", ") + (address.length === 1 ? ",)" : ")");
}

/** Python's repr of bytes: b'...' with \x escapes. */
export function pyBytes(b: Uint8Array): string {
  let out = "b'";
  for (const c of b) {
    if (c === 0x5c) out += "\\\\";
    else if (c === 0x27) out += "\\'";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + c.toString(16).padStart(2, "0");
  }
  return out + "'";
}
