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
import { decodeFsName } from "./args.ts";

const C = table.constants;
const L = table.layouts;

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
/** macOS and the BSDs lead every sockaddr with a length byte. */
const SA_LEN = L.sockaddr.sa_len;

const utf8 = new TextDecoder();
const latin1 = new TextDecoder("latin1");

function view(out: Uint8Array): DataView {
  return new DataView(out.buffer, out.byteOffset, out.byteLength);
}

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
export const SOCKADDR_MAX: number = L.sockaddr_storage.size;

/** The address family stored in a sockaddr. */
export function familyOf(buf: Uint8Array): number {
  return SA_LEN !== undefined
    ? buf[FAMILY_OFFSET]
    : buf[FAMILY_OFFSET] | (buf[FAMILY_OFFSET + 1] << 8);
}

/** The last IPv4 address decoded, reused while the peer stays the same (no allocation). */
let lastInet: InetAddress = ["0.0.0.0", 0];
let lastInetKey = -1;
let lastInetPort = -1;
const ntopBuf = new Uint8Array(64);

function ipv6Text(buf: Uint8Array, offset: number): string {
  ffi.libc.inet_ntop(AF_INET6, buf.subarray(offset, offset + 16), ntopBuf, ntopBuf.length);
  return latin1.decode(ntopBuf.subarray(0, ntopBuf.indexOf(0)));
}

function interfaceName(index: number): string {
  if (index === 0) return "";
  const name = new Uint8Array(64);
  if (ffi.libc.if_indextoname(index, name) === 0) return "";
  return latin1.decode(name.subarray(0, name.indexOf(0)));
}

function cField(buf: Uint8Array, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * Turns the sockaddr in `buf[0..length)` into Python's form for its family. Only the
 * `length` bytes the kernel returned are read.
 */
export function decodeAddress(buf: Uint8Array, length: number): SockAddr {
  if (length > buf.length) throw new RangeError("sockaddr length exceeds its buffer");
  if (length < FAMILY_OFFSET + 2) {
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
    return decodeFsName(end < 0 ? path : path.subarray(0, end));
  }
  if (length < buf.length || buf.length < SOCKADDR_MAX) {
    // The other families read fixed fields: past the kernel's length they read zeros,
    // never what the buffer held before.
    const padded = new Uint8Array(Math.max(length, SOCKADDR_MAX));
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
  return Object.freeze([family, buf.slice(FAMILY_OFFSET + 2, length)]);
}
