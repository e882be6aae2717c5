/**
 * Socket addresses decoded: `struct sockaddr` bytes to Python's address forms, for every
 * family the module knows (the table is address.ts's), using the generated layouts. A leaf
 * below address.ts (which encodes, and may resolve names) and resolve.ts (which decodes
 * what getaddrinfo returns).
 *
 * @module
 */
import { ffi } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import type { PlatformTable, StructLayout } from "./constants/types.ts";
import { decodeFsName } from "./args.ts";
import { beforeNul, decodeCString } from "./cmem.ts";

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

/**
 * An address family constant branded with its family (`socket.AF_INET` is a
 * `FamilyConstant<"inet">`): the values differ per platform, the brand does not, so
 * a socket made with it knows its address shape at type level.
 */
export type FamilyConstant<K extends "inet" | "inet6" | "unix"> = number & {
  readonly __family: K;
};
/** The type of `socket.AF_INET`. */
export type InetFamily = FamilyConstant<"inet">;
/** The type of `socket.AF_INET6`. */
export type Inet6Family = FamilyConstant<"inet6">;
/** The type of `socket.AF_UNIX`. */
export type UnixFamily = FamilyConstant<"unix">;
/**
 * The addresses a socket of family `F` gives (getsockname, accept, recvfrom, ...):
 * `[host, port]` for AF_INET, the 4-tuple for AF_INET6, a path or abstract name for
 * AF_UNIX, and any {@link SockAddr} for a family not known at type level.
 */
export type AddressOf<F extends number> = F extends InetFamily ? InetAddress
  : F extends Inet6Family ? Inet6Address
  : F extends UnixFamily ? string | Uint8Array
  : SockAddr;
/**
 * The addresses a socket of family `F` takes (bind, connect, sendto, ...): AF_INET6
 * takes `[host, port]` with optional flowinfo and scope_id; a family not known at
 * type level takes any {@link Address}.
 */
export type AddressInputOf<F extends number> = F extends InetFamily ? InetAddress
  : F extends Inet6Family
    ? readonly [host: string, port: number, flowinfo?: number, scope_id?: number]
  : F extends UnixFamily ? string | Uint8Array
  : Address;

/** Bytes enough for any sockaddr (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_MAX: number = table.layouts.sockaddr_storage.size;

/** The running platform's AF_INET6: IPv6 text goes through its libc. */
const HOST_AF_INET6 = table.constants.AF_INET6!;

const latin1 = new TextDecoder("latin1");

function view(out: Uint8Array): DataView {
  return new DataView(out.buffer, out.byteOffset, out.byteLength);
}

function cField(buf: Uint8Array, offset: number, size: number): string {
  return decodeCString(buf.subarray(offset, offset + size));
}

const ntopBuf = new Uint8Array(64);

function ipv6Text(buf: Uint8Array, offset: number): string {
  ffi.libc.inet_ntop(HOST_AF_INET6, buf.subarray(offset, offset + 16), ntopBuf, ntopBuf.length);
  return decodeCString(ntopBuf, latin1);
}

function interfaceName(index: number): string {
  if (index === 0) return "";
  const name = new Uint8Array(64);
  if (ffi.libc.if_indextoname(index, name) === 0) return "";
  return decodeCString(name, latin1);
}

/**
 * The sockaddr decoding of one platform, from its generated table: a pure function of
 * the table's families and layouts (tests run it against the darwin tables on Linux).
 * IPv6 text and interface names go through the running platform's libc. The module's
 * functions are the running platform's.
 */
export interface SockaddrCodec {
  /** `sizeof(struct sockaddr_storage)`. */
  readonly sockaddrSize: number;
  /** See {@link familyOf}. */
  familyOf(buf: Uint8Array): number;
  /**
   * Writes the family of a sockaddr of `length` bytes into `dv` (and, where the
   * platform has it, the leading sa_len byte: macOS and the BSDs).
   */
  setFamily(dv: DataView, family: number, length: number): void;
  /** See {@link decodeAddress}. */
  decodeAddress(buf: Uint8Array, length: number): SockAddr;
}

/**
 * The {@link SockaddrCodec} of platform table `t`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sockaddrCodec } from "./sockaddr.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const darwin = sockaddrCodec(table);
 * const raw = new Uint8Array(darwin.sockaddrSize);
 * raw.set([16, 2, 0, 80, 127, 0, 0, 1]); // sa_len 16, AF_INET, port 80, 127.0.0.1
 * assert.deepStrictEqual(darwin.decodeAddress(raw, 16), ["127.0.0.1", 80]);
 * ```
 */
export function sockaddrCodec(t: PlatformTable): SockaddrCodec {
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
  const FAMILY_OFFSET = L.sockaddr.sa_family;
  /** Linux's abstract namespace: CPython reads a leading NUL so only under `__linux__`. */
  const ABSTRACT_NAMES = t.platform.startsWith("linux");
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

  function familyOf(buf: Uint8Array): number {
    return SA_LEN !== undefined
      ? buf[FAMILY_OFFSET]
      : buf[FAMILY_OFFSET] | (buf[FAMILY_OFFSET + 1] << 8);
  }

  /** The last IPv4 address decoded, reused while the peer stays the same (no allocation). */
  let lastInet: InetAddress = ["0.0.0.0", 0];
  let lastInetKey = -1;
  let lastInetPort = -1;

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
      // Elsewhere a NUL-led path is empty: XNU names an unbound sender or an unbound
      // connecting peer with its sun_noname (16 bytes, no path), which Python reads as ''.
      if (ABSTRACT_NAMES && path[0] === 0) return path.slice();
      return decodeFsName(beforeNul(path));
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

  return { sockaddrSize: SOCKADDR_SIZE, familyOf, setFamily, decodeAddress };
}

/** The running platform's decoding, behind the module's functions. */
const running = sockaddrCodec(table);

/**
 * The address family stored in a sockaddr.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { familyOf, SOCKADDR_MAX } from "./sockaddr.ts";
 * import { table } from "./constants/mod.ts";
 * const raw = new Uint8Array(SOCKADDR_MAX);
 * new DataView(raw.buffer).setUint16(table.layouts.sockaddr.sa_family, 2, true); // Linux
 * assert.strictEqual(familyOf(raw), 2);
 * ```
 */
export const familyOf: (buf: Uint8Array) => number = running.familyOf;

/**
 * Turns the sockaddr in `buf[0..length)` into Python's form for its family. Only the
 * `length` bytes the kernel returned are read.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeAddress, encodeAddress, SOCKADDR_MAX } from "./address.ts";
 * const out = new Uint8Array(SOCKADDR_MAX);
 * const n = encodeAddress(2, ["127.0.0.1", 80], out, "bind");
 * assert.deepStrictEqual(decodeAddress(out, n), ["127.0.0.1", 80]);
 * ```
 */
export const decodeAddress: (buf: Uint8Array, length: number) => SockAddr = running.decodeAddress;

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
 * import assert from "node:assert";
 * import { addrInfoRecord } from "./sockaddr.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const bytes = new Uint8Array(table.layouts.addrinfo.size);
 * bytes[table.layouts.addrinfo.ai_family] = 30;
 * assert.strictEqual(addrInfoRecord(bytes, table.layouts.addrinfo, 8).family, 30);
 * ```
 */
export function addrInfoRecord(
  bytes: Uint8Array,
  layout: StructLayout,
  pointerSize: number,
): AddrInfoRecord {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, layout.size);
  return readAddrInfoRecord(dv, layout, pointerSize, {} as AddrInfoRecord);
}

/**
 * {@link addrInfoRecord} into a record the caller reuses, from a view of the copied node:
 * nothing allocated but the pointers' bigints (resolve.ts reads every node this way).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { type AddrInfoRecord, readAddrInfoRecord } from "./sockaddr.ts";
 * import { table } from "./constants/linux_x86_64_gnu.ts";
 * const L = table.layouts.addrinfo;
 * const dv = new DataView(new ArrayBuffer(L.size));
 * dv.setUint32(L.ai_addrlen, 16, true);
 * const into = {} as AddrInfoRecord;
 * assert.strictEqual(readAddrInfoRecord(dv, L, 8, into).addrlen, 16);
 * ```
 */
export function readAddrInfoRecord(
  dv: DataView,
  layout: StructLayout,
  pointerSize: number,
  into: AddrInfoRecord,
): AddrInfoRecord {
  const wide = pointerSize === 8;
  into.flags = dv.getInt32(layout.ai_flags, true);
  into.family = dv.getInt32(layout.ai_family, true);
  into.socktype = dv.getInt32(layout.ai_socktype, true);
  into.protocol = dv.getInt32(layout.ai_protocol, true);
  into.addrlen = (layout["ai_addrlen$size"] ?? 4) === 8
    ? Number(dv.getBigUint64(layout.ai_addrlen, true))
    : dv.getUint32(layout.ai_addrlen, true);
  into.addr = wide
    ? dv.getBigUint64(layout.ai_addr, true)
    : BigInt(dv.getUint32(layout.ai_addr, true));
  into.canonname = wide
    ? dv.getBigUint64(layout.ai_canonname, true)
    : BigInt(dv.getUint32(layout.ai_canonname, true));
  into.next = wide
    ? dv.getBigUint64(layout.ai_next, true)
    : BigInt(dv.getUint32(layout.ai_next, true));
  return into;
}
