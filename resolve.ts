/**
 * Name resolution: getaddrinfo, getnameinfo, the gethostby* family, getfqdn,
 * gethostname/sethostname, getservbyname/getservbyport and getprotobyname, with
 * Python's arguments, results and errors, plus Promise-returning twins of the
 * lookups that may block (`getaddrinfo_async`, `getnameinfo_async`,
 * `gethostbyname_async`, `gethostbyname_ex_async`, `gethostbyaddr_async`), which
 * run the C call on another thread.
 *
 * Each lookup is written once, as a generator that builds its request buffers,
 * yields each C call, and parses what came back; a driver runs the calls on the
 * calling thread (sync) or off it (async). Every asynchronous request owns its
 * buffers, so any number may be in flight at once. The synchronous `getaddrinfo`, the
 * hot one, skips the generator and reuses module-level buffers (nothing else can run
 * while it is in C).
 *
 * @module
 */
import { ffi, libc } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, gaierror, herror, OSError } from "./errors.ts";
import { pyTypeName, toCInt, toInt } from "./args.ts";
import { addrInfoRecord, decodeAddress, type SockAddr } from "./address.ts";
export type { Inet6Address, InetAddress, SockAddr } from "./address.ts";
import { inet_ntop } from "./inet.ts";

const C = table.constants;
const L = table.layouts;
const E = table.errno;
const S = table.sys;

/** One entry of getaddrinfo's result: `[family, type, proto, canonname, sockaddr]`. */
export type AddrInfo = readonly [
  family: number,
  type: number,
  proto: number,
  canonname: string,
  sockaddr: SockAddr,
];

/** What gethostbyname_ex and gethostbyaddr return: `[hostname, aliaslist, ipaddrlist]`. */
export type HostEntry = readonly [hostname: string, aliaslist: string[], ipaddrlist: string[]];

/** A host as getaddrinfo takes it: a name or numeric address, bytes, or null (NULL). */
export type Host = string | Uint8Array | null;
/** A port as getaddrinfo takes it: a number, a service name or numeric string, bytes, or null. */
export type Port = number | bigint | string | Uint8Array | null;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();
const utf8 = new TextDecoder();

// ---------------------------------------------------------------------------
// Memory helpers

/**
 * Carves one ArrayBuffer into 8-byte aligned views. One backing store per
 * request keeps every buffer off the JS heap and alive as long as the request.
 */
function arena(...sizes: number[]): Uint8Array[] {
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(Math.max(size, 1) / 8) * 8;
  }
  const buffer = new ArrayBuffer(Math.max(total, 128));
  return sizes.map((size, i) => new Uint8Array(buffer, offsets[i], size));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bytes followed by a NUL (C truncates at an embedded NUL, as it does for CPython). */
function nulTerminated(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** The text before the first NUL of a buffer. */
function cText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The size of a C pointer. */
const POINTER_SIZE = S.SIZEOF_POINTER;

/** The NULL-terminated array of C strings at `address`. */
function stringArray(address: bigint): string[] {
  const out: string[] = [];
  if (address === 0n) return out;
  for (let i = 0;; i++) {
    const p = ffi.readPointer(address, i * POINTER_SIZE);
    if (p === 0n) return out;
    out.push(ffi.cstring(p));
  }
}

// ---------------------------------------------------------------------------
// Running C calls synchronously or off-thread

/** One C call a lookup needs: run here (sync) or on another thread (async). */
interface Call {
  sync(): number;
  async(): Promise<number>;
}

/** A lookup: yields its C calls, receives their results, returns its answer. */
type Lookup<T> = Generator<Call, T, number>;

function runSync<T>(lookup: Lookup<T>): T {
  let step = lookup.next();
  while (!step.done) step = lookup.next(step.value.sync());
  return step.value;
}

async function runAsync<T>(lookup: Lookup<T>): Promise<T> {
  let step = lookup.next();
  while (!step.done) {
    let result: number;
    try {
      result = await step.value.async();
    } catch (e) {
      step = lookup.throw(e);
      continue;
    }
    step = lookup.next(result);
  }
  return step.value;
}

// ---------------------------------------------------------------------------
// getaddrinfo

const AI = L.addrinfo;
const EAI_SYSTEM = C.EAI_SYSTEM;

/** One getaddrinfo call: its buffers, and errno when it ran on this thread. */
class GaiCall implements Call {
  readonly node: Uint8Array | null;
  readonly service: Uint8Array | null;
  readonly hints: Uint8Array;
  readonly result: Uint8Array;
  /** errno right after a synchronous EAI_SYSTEM failure (unknown after an async one). */
  errno: number | undefined;

  constructor(
    node: Uint8Array | null,
    service: Uint8Array | null,
    family: number,
    type: number,
    proto: number,
    flags: number,
  ) {
    const [n, s, hints, result] = arena(
      node ? node.length + 1 : 0,
      service ? service.length + 1 : 0,
      AI.size,
      POINTER_SIZE,
    );
    if (node) n.set(node);
    if (service) s.set(service);
    this.node = node ? n : null;
    this.service = service ? s : null;
    const dv = view(hints);
    dv.setInt32(AI.ai_flags, flags, littleEndian);
    dv.setInt32(AI.ai_family, family, littleEndian);
    dv.setInt32(AI.ai_socktype, type, littleEndian);
    dv.setInt32(AI.ai_protocol, proto, littleEndian);
    this.hints = hints;
    this.result = result;
  }

  sync(): number {
    const code = libc.getaddrinfo(this.node, this.service, this.hints, this.result);
    if (code === EAI_SYSTEM) this.errno = ffi.errno();
    return code;
  }

  async(): Promise<number> {
    return libc.getaddrinfo_async(this.node, this.service, this.hints, this.result);
  }

  /** The head of the returned list (0n when none). */
  head(): bigint {
    return ffi.readPointer(ffi.addressOf(this.result), 0);
  }
}

/** An addrinfo entry with its sockaddr still raw. */
interface RawAddrInfo {
  family: number;
  type: number;
  proto: number;
  canonname: string;
  addr: Uint8Array;
}

/** The pointer stored at `offset` of a copied C structure. */
function pointerAt(dv: DataView, offset: number): bigint {
  return POINTER_SIZE === 8
    ? dv.getBigUint64(offset, littleEndian)
    : BigInt(dv.getUint32(offset, littleEndian));
}

/**
 * Copies out the addrinfo list at `head`: one copy of each node (its pointers read
 * from the copy rather than by one FFI call each) and one of its sockaddr.
 */
function readAddrInfoList(head: bigint): RawAddrInfo[] {
  const out: RawAddrInfo[] = [];
  for (let p = head; p !== 0n;) {
    const node = addrInfoRecord(ffi.peek(p, AI.size), AI, POINTER_SIZE);
    out.push({
      family: node.family,
      type: node.socktype,
      proto: node.protocol,
      canonname: node.canonname === 0n ? "" : ffi.cstring(node.canonname),
      addr: node.addr === 0n ? new Uint8Array(0) : ffi.peek(node.addr, node.addrlen),
    });
    p = node.next;
  }
  return out;
}

/** The message libc gives for an EAI_* code. */
function gaiStrerror(code: number): string {
  const p = libc.gai_strerror(code);
  return p === 0 || p === 0n ? `Unknown error ${code}` : ffi.cstring(p);
}

/** Python's error for a failed getaddrinfo/getnameinfo: gaierror, or OSError for EAI_SYSTEM. */
function gaiError(code: number, errno: number | undefined, syscall: string): OSError {
  if (code === EAI_SYSTEM && errno !== undefined) return fromErrno(errno, syscall);
  const e = new gaierror(code, gaiStrerror(code));
  e.syscall = syscall;
  return e;
}

/** Runs one getaddrinfo call and returns the list, freed on every path. */
function* addrInfoLookup(call: GaiCall): Lookup<RawAddrInfo[]> {
  const code = yield call;
  if (code !== 0) throw gaiError(code, call.errno, "getaddrinfo");
  const head = call.head();
  try {
    return readAddrInfoList(head);
  } finally {
    if (head !== 0n) libc.freeaddrinfo(head);
  }
}

function hostArgument(host: unknown): Uint8Array | null {
  if (host === null) return null;
  if (typeof host === "string") return idnaEncode(host);
  if (host instanceof Uint8Array) return host;
  throw new TypeError("getaddrinfo() argument 1 must be string or None");
}

const LONG_MAX = (1n << 63n) - 1n;

function portArgument(port: unknown): Uint8Array | null {
  if (port === null) return null;
  if (typeof port === "string") return encoder.encode(port);
  if (port instanceof Uint8Array) return port;
  if ((typeof port === "number" && Number.isInteger(port)) || typeof port === "bigint") {
    const n = BigInt(port);
    if (n > LONG_MAX || n < -LONG_MAX - 1n) {
      throw new RangeError("Python int too large to convert to C long");
    }
    return encoder.encode(n.toString());
  }
  throw new OSError("Int or String expected");
}

/** getaddrinfo's argument checks, in Python's order: `[family, type, proto, flags]`. */
function gaiNumbers(
  host: unknown,
  port: unknown,
  family: unknown,
  type: unknown,
  proto: unknown,
  flags: unknown,
): [number, number, number, number] {
  if (host === undefined) {
    throw new TypeError("getaddrinfo() missing required argument 'host' (pos 1)");
  }
  if (port === undefined) {
    throw new TypeError("getaddrinfo() missing required argument 'port' (pos 2)");
  }
  return [toCInt(family), toCInt(type), toCInt(proto), toCInt(flags)];
}

function gaiRequest(
  host: unknown,
  port: unknown,
  family: unknown,
  type: unknown,
  proto: unknown,
  flags: unknown,
): GaiCall {
  const [f, t, p, fl] = gaiNumbers(host, port, family, type, proto, flags);
  return new GaiCall(hostArgument(host), portArgument(port), f, t, p, fl);
}

function* getaddrinfoLookup(call: GaiCall): Lookup<AddrInfo[]> {
  const list = yield* addrInfoLookup(call);
  return list.map((a): AddrInfo =>
    Object.freeze([a.family, a.type, a.proto, a.canonname, decodeAddress(a.addr, a.addr.length)])
  );
}

/**
 * Translates a host and port into the addresses to create and connect sockets with,
 * as Python's `socket.getaddrinfo`: a list of `[family, type, proto, canonname,
 * sockaddr]`, in the order the system gives them. `host` may be a name (IDNA-encoded
 * when not ASCII), a numeric address, bytes, or null; `port` a number, a service name,
 * a numeric string, bytes, or null. `family`, `type` and `proto` narrow the results;
 * `flags` is any combination of the `AI_*` constants, passed through.
 *
 * Throws `gaierror` (errno an `EAI_*` code, message gai_strerror's), or the OSError of
 * errno for `EAI_SYSTEM`. It blocks the calling thread; see {@link getaddrinfo_async}.
 *
 * @example
 * ```ts
 * import { getaddrinfo } from "./resolve.ts";
 * import { AF_INET, SOCK_STREAM } from "./mod.ts";
 * for (const [family, type, proto, canonname, sockaddr] of getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM)) {
 *   console.log(family, type, proto, canonname, sockaddr); // 2 1 6 "" ["127.0.0.1", 80]
 * }
 * ```
 */
export function getaddrinfo(
  host: Host,
  port: Port,
  family: number = 0,
  type: number = 0,
  proto: number = 0,
  flags: number = 0,
): AddrInfo[] {
  // The synchronous path: gaiRequest's checks, then the call on buffers reused from call
  // to call (nothing else runs while it is in C), the node and service strings encoded
  // once per distinct value.
  const [f, t, p, fl] = gaiNumbers(host, port, family, type, proto, flags);
  const node = syncNode(host);
  const service = syncService(port);
  const scratch = gaiScratch ??= new GaiScratch();
  const hints = scratch.hints;
  hints.setInt32(AI.ai_flags, fl, littleEndian);
  hints.setInt32(AI.ai_family, f, littleEndian);
  hints.setInt32(AI.ai_socktype, t, littleEndian);
  hints.setInt32(AI.ai_protocol, p, littleEndian);
  const code = libc.getaddrinfo(node, service, scratch.hintsBytes, scratch.resultBytes);
  if (code !== 0) {
    throw gaiError(code, code === EAI_SYSTEM ? ffi.errno() : undefined, "getaddrinfo");
  }
  const head = pointerAt(scratch.result, 0);
  let list: RawAddrInfo[];
  try {
    list = readAddrInfoList(head);
  } finally {
    if (head !== 0n) libc.freeaddrinfo(head);
  }
  const out: AddrInfo[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    out[i] = Object.freeze(
      [a.family, a.type, a.proto, a.canonname, decodeAddress(a.addr, a.addr.length)] as const,
    );
  }
  return out;
}

/** The buffers of synchronous getaddrinfo calls (the async ones own theirs: GaiCall). */
class GaiScratch {
  readonly hintsBytes: Uint8Array = new Uint8Array(new ArrayBuffer(Math.max(AI.size, 8)));
  readonly hints: DataView = view(this.hintsBytes);
  readonly resultBytes: Uint8Array = new Uint8Array(new ArrayBuffer(8));
  readonly result: DataView = view(this.resultBytes);
}
let gaiScratch: GaiScratch | undefined;

/** The last host string of a synchronous call and its NUL-terminated encoding. */
let lastHost: string | undefined;
let lastHostBytes: Uint8Array | null = null;
/** The last port (number or string) of a synchronous call and its encoding. */
let lastPort: number | string | undefined;
let lastPortBytes: Uint8Array | null = null;

/** getaddrinfo's node argument, NUL-terminated (hostArgument's checks and errors). */
function syncNode(host: unknown): Uint8Array | null {
  if (typeof host === "string" && host === lastHost) return lastHostBytes;
  const bytes = hostArgument(host);
  const z = bytes === null ? null : terminated(bytes);
  if (typeof host === "string") {
    lastHost = host;
    lastHostBytes = z;
  }
  return z;
}

/** getaddrinfo's service argument, NUL-terminated (portArgument's checks and errors). */
function syncService(port: unknown): Uint8Array | null {
  if ((typeof port === "number" || typeof port === "string") && port === lastPort) {
    return lastPortBytes;
  }
  const bytes = portArgument(port);
  const z = bytes === null ? null : terminated(bytes);
  if (typeof port === "number" || typeof port === "string") {
    lastPort = port;
    lastPortBytes = z;
  }
  return z;
}

/** A NUL-terminated copy of `bytes` in its own ArrayBuffer (as GaiCall's arena gives). */
function terminated(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(Math.ceil((bytes.length + 1) / 8) * 8));
  out.set(bytes);
  return out;
}

/**
 * {@link getaddrinfo} run on another thread: the event loop keeps running while the
 * lookup is pending (asyncio's `loop.getaddrinfo`). Same arguments, results and errors,
 * except that an `EAI_SYSTEM` failure is reported as a `gaierror`, the errno of the
 * other thread being out of reach.
 *
 * @example
 * ```ts
 * import { getaddrinfo_async } from "./resolve.ts";
 * const infos = await getaddrinfo_async("localhost", "http");
 * console.log(infos[0][4]); // ["127.0.0.1", 80]
 * ```
 */
export async function getaddrinfo_async(
  host: Host,
  port: Port,
  family: number = 0,
  type: number = 0,
  proto: number = 0,
  flags: number = 0,
): Promise<AddrInfo[]> {
  return await runAsync(getaddrinfoLookup(gaiRequest(host, port, family, type, proto, flags)));
}

// ---------------------------------------------------------------------------
// getnameinfo

const IN = L.sockaddr_in;
const IN6 = L.sockaddr_in6;
const AF_INET = C.AF_INET;
const AF_INET6 = C.AF_INET6;

/** One getnameinfo call with its own sockaddr and result buffers. */
class NameInfoCall implements Call {
  readonly sa: Uint8Array;
  readonly host: Uint8Array;
  readonly serv: Uint8Array;
  readonly flags: number;
  errno: number | undefined;

  constructor(sockaddr: Uint8Array, flags: number) {
    const [sa, host, serv] = arena(sockaddr.length, S.NI_MAXHOST, S.NI_MAXSERV);
    sa.set(sockaddr);
    this.sa = sa;
    this.host = host;
    this.serv = serv;
    this.flags = flags;
  }

  sync(): number {
    const { sa, host, serv } = this;
    const code = libc.getnameinfo(sa, sa.length, host, host.length, serv, serv.length, this.flags);
    if (code === EAI_SYSTEM) this.errno = ffi.errno();
    return code;
  }

  async(): Promise<number> {
    const { sa, host, serv } = this;
    return libc.getnameinfo_async(sa, sa.length, host, host.length, serv, serv.length, this.flags);
  }
}

const ILLEGAL_SOCKADDR = "getnameinfo(): illegal sockaddr argument";

/** Checks getnameinfo's arguments, as Python's "Oi" then "si|II" parse does. */
function nameInfoArguments(sockaddr: unknown, flags: unknown) {
  if (sockaddr === undefined || flags === undefined) {
    throw new TypeError("getnameinfo expected 2 arguments");
  }
  const f = toCInt(flags);
  if (!Array.isArray(sockaddr)) {
    throw new TypeError("getnameinfo() argument 1 must be a tuple");
  }
  if (sockaddr.length < 2 || sockaddr.length > 4) throw new TypeError(ILLEGAL_SOCKADDR);
  const [host, port, flowinfo = 0, scopeId = 0] = sockaddr;
  if (typeof host !== "string") throw new TypeError(ILLEGAL_SOCKADDR);
  if (host.includes("\0")) throw new RangeError("embedded null character");
  const p = toCInt(port);
  const flow = toUIntMask(flowinfo);
  const scope = toUIntMask(scopeId);
  if (flow > 0xfffff) throw new RangeError("getnameinfo(): flowinfo must be 0-1048575.");
  return { host, port: p, flowinfo: flow, scopeId: scope, flags: f, size: sockaddr.length };
}

/** Python's "I" format: any int, reduced modulo 2**32. */
function toUIntMask(value: unknown): number {
  if (typeof value === "bigint") return Number(BigInt.asUintN(32, value));
  if (typeof value === "number" && Number.isInteger(value)) {
    return Number(BigInt.asUintN(32, BigInt(value)));
  }
  return toInt(value) >>> 0;
}

function* getnameinfoLookup(
  args: ReturnType<typeof nameInfoArguments>,
): Lookup<[host: string, port: string]> {
  // The address is parsed numerically (never resolved), as Python does.
  const list = yield* addrInfoLookup(
    new GaiCall(
      encoder.encode(args.host),
      encoder.encode(String(args.port)),
      C.AF_UNSPEC,
      C.SOCK_DGRAM,
      0,
      C.AI_NUMERICHOST,
    ),
  );
  if (list.length > 1) throw new OSError("sockaddr resolved to multiple addresses");
  const { family, addr } = list[0];
  if (family === AF_INET && args.size !== 2) throw new OSError("IPv4 sockaddr must be 2 tuple");
  if (family === AF_INET6) {
    const dv = view(addr);
    dv.setUint32(IN6.sin6_flowinfo, args.flowinfo, false);
    dv.setUint32(IN6.sin6_scope_id, args.scopeId, littleEndian);
  }
  const call = new NameInfoCall(addr, args.flags);
  const code = yield call;
  if (code !== 0) throw gaiError(code, call.errno, "getnameinfo");
  return [cText(call.host), cText(call.serv)];
}

/**
 * Translates a socket address into `[host, port]` strings, as Python's
 * `socket.getnameinfo`. `sockaddr` is `[host, port]` or `[host, port, flowinfo,
 * scope_id]` with a numeric host; `flags` is any combination of the `NI_*` constants.
 * A link-local IPv6 host comes back with its scope (`fe80::1%lo`).
 *
 * @example
 * ```ts
 * import { getnameinfo } from "./resolve.ts";
 * import { NI_NUMERICHOST, NI_NUMERICSERV } from "./mod.ts";
 * console.log(getnameinfo(["127.0.0.1", 80], 0)); // ["localhost", "http"]
 * console.log(getnameinfo(["::1", 80, 0, 0], NI_NUMERICHOST | NI_NUMERICSERV)); // ["::1", "80"]
 * ```
 */
export function getnameinfo(
  sockaddr: readonly [string, number, number?, number?],
  flags: number,
): [host: string, port: string] {
  return runSync(getnameinfoLookup(nameInfoArguments(sockaddr, flags)));
}

/**
 * {@link getnameinfo} run on another thread (asyncio's `loop.getnameinfo`).
 *
 * @example
 * ```ts
 * import { getnameinfo_async } from "./resolve.ts";
 * console.log(await getnameinfo_async(["127.0.0.1", 22], 0)); // ["localhost", "ssh"]
 * ```
 */
export async function getnameinfo_async(
  sockaddr: readonly [string, number, number?, number?],
  flags: number,
): Promise<[host: string, port: string]> {
  return await runAsync(getnameinfoLookup(nameInfoArguments(sockaddr, flags)));
}

// ---------------------------------------------------------------------------
// gethostbyname, gethostbyname_ex, gethostbyaddr

/** A type's name as Python's argument errors give it ("must be str, not None"). */
function argType(value: unknown): string {
  return value === null || value === undefined ? "None" : pyTypeName(value);
}

/** A host name argument ("et" with the idna codec): str encoded, bytes as they are. */
function hostNameArgument(name: unknown, fn: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof name === "string") bytes = idnaEncode(name);
  else if (name instanceof Uint8Array) bytes = name;
  else {
    throw new TypeError(`${fn}() argument 1 must be str, bytes or bytearray, not ${argType(name)}`);
  }
  if (bytes.includes(0)) {
    throw new TypeError(
      `${fn}() argument 1 must be encoded string without null bytes, not ${pyTypeName(name)}`,
    );
  }
  return bytes;
}

/** A resolved IP address: its family and its 4 or 16 bytes. */
interface IpAddress {
  family: number;
  bytes: Uint8Array;
}

function ipOf(entry: RawAddrInfo): IpAddress {
  if (entry.family === AF_INET) {
    return { family: AF_INET, bytes: entry.addr.slice(IN.sin_addr, IN.sin_addr + 4) };
  }
  if (entry.family === AF_INET6) {
    return { family: AF_INET6, bytes: entry.addr.slice(IN6.sin6_addr, IN6.sin6_addr + 16) };
  }
  throw new OSError("unknown address family");
}

const BROADCAST = encoder.encode("255.255.255.255");
const BROADCAST_NAME = encoder.encode("<broadcast>");

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A host name to one IP address of family `af` (or any, for AF_UNSPEC), the way
 * Python does for gethostby*: the empty name is the wildcard, "<broadcast>" the
 * broadcast address, numeric addresses are parsed, anything else resolved.
 */
function* ipAddressLookup(name: Uint8Array, af: number): Lookup<IpAddress> {
  if (name.length === 0) {
    const list = yield* addrInfoLookup(
      new GaiCall(null, encoder.encode("0"), af, C.SOCK_DGRAM, 0, C.AI_PASSIVE),
    );
    const family = list[0].family;
    if (family !== AF_INET && family !== AF_INET6) throw new OSError("unsupported address family");
    if (list.length > 1) throw new OSError("wildcard resolved to multiple address");
    return ipOf(list[0]);
  }
  if (sameBytes(name, BROADCAST) || sameBytes(name, BROADCAST_NAME)) {
    if (af !== AF_INET && af !== C.AF_UNSPEC) throw new OSError("address family mismatched");
    return { family: AF_INET, bytes: new Uint8Array([255, 255, 255, 255]) };
  }
  const text = nulTerminated(name);
  const packed = new Uint8Array(16);
  if ((af === C.AF_UNSPEC || af === AF_INET) && libc.inet_pton(AF_INET, text, packed) > 0) {
    return { family: AF_INET, bytes: packed.slice(0, 4) };
  }
  if (
    (af === C.AF_UNSPEC || af === AF_INET6) && !name.includes(0x25 /* % */) &&
    libc.inet_pton(AF_INET6, text, packed) > 0
  ) {
    return { family: AF_INET6, bytes: packed };
  }
  const list = yield* addrInfoLookup(new GaiCall(name, null, af, 0, 0, 0));
  return ipOf(list[0]);
}

const HOSTENT = L.hostent;
const ERANGE = E.ERANGE;
/** The first buffer for the strings and arrays of a hostent; doubled on ERANGE. */
const HOSTENT_BUFFER = 16384;
const HOSTENT_BUFFER_MAX = 1 << 24;

/** Whether the reentrant host calls exist (not on macOS). */
const HOSTENT_R = typeof (libc as { gethostbyname2_r?: unknown }).gethostbyname2_r === "function";

/** One gethostbyname2_r or gethostbyaddr_r call, with its own buffers. */
class HostEntCall implements Call {
  readonly ret: Uint8Array;
  readonly buf: Uint8Array;
  readonly result: Uint8Array;
  readonly herrno: Uint8Array;
  readonly query: Uint8Array;

  constructor(
    readonly kind: "name" | "addr",
    query: Uint8Array,
    readonly af: number,
    bufferSize: number,
  ) {
    const [q, ret, result, herrno, buf] = arena(
      query.length + 1,
      HOSTENT.size,
      POINTER_SIZE,
      4,
      bufferSize,
    );
    q.set(query);
    this.query = kind === "addr" ? q.subarray(0, query.length) : q;
    this.ret = ret;
    this.result = result;
    this.herrno = herrno;
    this.buf = buf;
  }

  /** The hostent of the non-reentrant call (macOS), 0n for none. */
  plain = 0n;

  sync(): number {
    const { query, ret, buf, result, herrno } = this;
    if (!HOSTENT_R) {
      // macOS: libinfo keeps the result per thread, read at once on this one.
      const p = this.kind === "name"
        ? libc.gethostbyname2(query, this.af)
        : libc.gethostbyaddr(query, query.length, this.af);
      this.plain = BigInt(p);
      return this.plain === 0n ? -1 : 0;
    }
    return this.kind === "name"
      ? libc.gethostbyname2_r(query, this.af, ret, buf, buf.length, result, herrno)
      : libc.gethostbyaddr_r(query, query.length, this.af, ret, buf, buf.length, result, herrno);
  }

  async(): Promise<number> {
    const { query, ret, buf, result, herrno } = this;
    // Without the _r calls the result lives in the calling thread's storage: run here.
    if (!HOSTENT_R) return Promise.resolve(this.sync());
    return this.kind === "name"
      ? libc.gethostbyname2_r_async(query, this.af, ret, buf, buf.length, result, herrno)
      : libc.gethostbyaddr_r_async(
        query,
        query.length,
        this.af,
        ret,
        buf,
        buf.length,
        result,
        herrno,
      );
  }

  /** The hostent found, or 0n. */
  found(): bigint {
    return HOSTENT_R ? ffi.readPointer(ffi.addressOf(this.result), 0) : this.plain;
  }

  /** h_errno of the call (macOS: HOST_NOT_FOUND, its global h_errno is not bound). */
  hErrno(): number {
    return HOSTENT_R ? view(this.herrno).getInt32(0, littleEndian) : S.HOST_NOT_FOUND ?? 1;
  }
}

/** The message libc gives for an h_errno value. */
function hStrerror(code: number): string {
  const p = libc.hstrerror(code);
  return p === 0 || p === 0n ? "host not found" : ffi.cstring(p);
}

/** Runs a gethostby*_r call, growing its buffer on ERANGE, and reads the hostent. */
function* hostEntLookup(kind: "name" | "addr", query: Uint8Array, af: number): Lookup<HostEntry> {
  let size = HOSTENT_BUFFER;
  for (;;) {
    const call = new HostEntCall(kind, query, af, size);
    const r = yield call;
    const entry = call.found();
    if (entry === 0n && r === ERANGE && size < HOSTENT_BUFFER_MAX) {
      size *= 2;
      continue;
    }
    if (entry === 0n) {
      const code = call.hErrno();
      throw new herror(code, hStrerror(code));
    }
    return readHostEnt(entry, af);
  }
}

/** Reads a hostent as Python's `[hostname, aliaslist, ipaddrlist]`. */
function readHostEnt(entry: bigint, af: number): HostEntry {
  const dv = view(ffi.peek(entry, HOSTENT.size));
  if (dv.getInt32(HOSTENT.h_addrtype, littleEndian) !== af) throw fromErrno(E.EAFNOSUPPORT);
  const length = af === AF_INET ? 4 : 16;
  const aliases = stringArray(ffi.readPointer(entry, HOSTENT.h_aliases));
  const addresses: string[] = [];
  const list = ffi.readPointer(entry, HOSTENT.h_addr_list);
  for (let i = 0; list !== 0n; i++) {
    const p = ffi.readPointer(list, i * POINTER_SIZE);
    if (p === 0n) break;
    addresses.push(inet_ntop(af, ffi.peek(p, length)));
  }
  return [ffi.cstring(ffi.readPointer(entry, HOSTENT.h_name)), aliases, addresses];
}

function* gethostbynameLookup(name: Uint8Array): Lookup<string> {
  const ip = yield* ipAddressLookup(name, AF_INET);
  return ip.bytes.join(".");
}

function* gethostbynameExLookup(name: Uint8Array): Lookup<HostEntry> {
  const ip = yield* ipAddressLookup(name, AF_INET);
  return yield* hostEntLookup("name", name, ip.family);
}

function* gethostbyaddrLookup(name: Uint8Array): Lookup<HostEntry> {
  const ip = yield* ipAddressLookup(name, C.AF_UNSPEC);
  return yield* hostEntLookup("addr", ip.bytes, ip.family);
}

/**
 * Translates a host name to an IPv4 address string, as Python's
 * `socket.gethostbyname`; an IPv4 address is returned unchanged. IPv4 only: use
 * {@link getaddrinfo} for IPv6. Throws `gaierror` when the name does not resolve.
 *
 * @example
 * ```ts
 * import { gethostbyname } from "./resolve.ts";
 * console.log(gethostbyname("localhost")); // "127.0.0.1"
 * ```
 */
export function gethostbyname(hostname: string | Uint8Array): string {
  return runSync(gethostbynameLookup(hostNameArgument(hostname, "gethostbyname")));
}

/**
 * {@link gethostbyname} run on another thread.
 *
 * @example
 * ```ts
 * import { gethostbyname_async } from "./resolve.ts";
 * console.log(await gethostbyname_async("localhost")); // "127.0.0.1"
 * ```
 */
export async function gethostbyname_async(hostname: string | Uint8Array): Promise<string> {
  return await runAsync(gethostbynameLookup(hostNameArgument(hostname, "gethostbyname")));
}

/**
 * Translates a host name to `[hostname, aliaslist, ipaddrlist]` (IPv4 only), as
 * Python's `socket.gethostbyname_ex`. Throws `gaierror` when the name does not
 * resolve, `herror` when the host database has no entry for it.
 *
 * @example
 * ```ts
 * import { gethostbyname_ex } from "./resolve.ts";
 * console.log(gethostbyname_ex("localhost")); // ["localhost", [], ["127.0.0.1"]]
 * ```
 */
export function gethostbyname_ex(hostname: string | Uint8Array): HostEntry {
  return runSync(gethostbynameExLookup(hostNameArgument(hostname, "gethostbyname_ex")));
}

/**
 * {@link gethostbyname_ex} run on another thread.
 *
 * @example
 * ```ts
 * import { gethostbyname_ex_async } from "./resolve.ts";
 * console.log(await gethostbyname_ex_async("localhost")); // ["localhost", [], ["127.0.0.1"]]
 * ```
 */
export async function gethostbyname_ex_async(hostname: string | Uint8Array): Promise<HostEntry> {
  return await runAsync(gethostbynameExLookup(hostNameArgument(hostname, "gethostbyname_ex")));
}

/**
 * The reverse lookup of an IPv4 or IPv6 address (or of a name's first address), as
 * Python's `socket.gethostbyaddr`: `[hostname, aliaslist, ipaddrlist]`. Throws
 * `herror` when the address has no name.
 *
 * @example
 * ```ts
 * import { gethostbyaddr } from "./resolve.ts";
 * console.log(gethostbyaddr("127.0.0.1")); // ["localhost", [], ["127.0.0.1"]]
 * ```
 */
export function gethostbyaddr(ip_address: string | Uint8Array): HostEntry {
  return runSync(gethostbyaddrLookup(hostNameArgument(ip_address, "gethostbyaddr")));
}

/**
 * {@link gethostbyaddr} run on another thread.
 *
 * @example
 * ```ts
 * import { gethostbyaddr_async } from "./resolve.ts";
 * console.log((await gethostbyaddr_async("127.0.0.1"))[0]); // "localhost"
 * ```
 */
export async function gethostbyaddr_async(ip_address: string | Uint8Array): Promise<HostEntry> {
  return await runAsync(gethostbyaddrLookup(hostNameArgument(ip_address, "gethostbyaddr")));
}

/** The characters Python's str.strip() removes. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_WHITESPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/**
 * A fully qualified domain name for `name`, as Python's `socket.getfqdn`: the
 * local host when `name` is empty, "0.0.0.0" or "::"; otherwise the first of the
 * reverse lookup's host name and aliases that contains a dot, else that host name;
 * `name` itself when the lookup fails.
 *
 * @example
 * ```ts
 * import { getfqdn } from "./resolve.ts";
 * console.log(getfqdn("127.0.0.1")); // "localhost" on most machines
 * ```
 */
export function getfqdn(name: string = ""): string {
  if (typeof name !== "string") {
    throw new TypeError(`'${pyTypeName(name)}' object has no attribute 'strip'`);
  }
  name = name.replace(PY_WHITESPACE, "");
  if (name === "" || name === "0.0.0.0" || name === "::") name = gethostname();
  let entry: HostEntry;
  try {
    entry = gethostbyaddr(name);
  } catch (e) {
    if (e instanceof OSError) return name;
    throw e;
  }
  const [hostname, aliases] = entry;
  return [hostname, ...aliases].find((n) => n.includes(".")) ?? hostname;
}

// ---------------------------------------------------------------------------
// Host names

/**
 * The machine's host name, as Python's `socket.gethostname`.
 *
 * @example
 * ```ts
 * import { gethostname } from "./resolve.ts";
 * console.log(gethostname()); // e.g. "myhost"
 * ```
 */
export function gethostname(): string {
  const buf = new Uint8Array(1024);
  if (libc.gethostname(buf, buf.length - 1) < 0) throw fromErrno(ffi.errno(), "gethostname");
  return cText(buf);
}

/**
 * Sets the machine's host name, as Python's `socket.sethostname` (needs
 * CAP_SYS_ADMIN in the UTS namespace; PermissionError otherwise).
 *
 * @example
 * ```ts ignore
 * import { sethostname } from "./resolve.ts";
 * sethostname("sandbox"); // inside a private UTS namespace (unshare -u)
 * ```
 */
export function sethostname(name: string | Uint8Array): void {
  let bytes: Uint8Array;
  if (typeof name === "string") {
    if (name.includes("\0")) throw new RangeError("embedded null byte");
    bytes = encoder.encode(name);
  } else if (name instanceof Uint8Array) {
    bytes = name;
  } else {
    throw new TypeError(
      `expected str, bytes or os.PathLike object, not ${pyTypeName(name)}`,
    );
  }
  const c = nulTerminated(bytes);
  if (libc.sethostname(c, bytes.length) < 0) throw fromErrno(ffi.errno(), "sethostname");
}

// ---------------------------------------------------------------------------
// Services and protocols

/** A "s" argument: a str without NUL, as a C string. */
function strArgument(value: unknown, fn: string, position: number): Uint8Array {
  if (typeof value !== "string") {
    throw new TypeError(`${fn}() argument ${position} must be str, not ${argType(value)}`);
  }
  if (value.includes("\0")) throw new RangeError("embedded null character");
  return nulTerminated(encoder.encode(value));
}

/**
 * Runs a get*_r database call (`call(ret, buf, buflen, result)`), growing the buffer
 * on ERANGE; returns the entry found (the `ret` buffer's contents) or null. Where the
 * C library has no such _r call (`reentrant` false: macOS, musl's getprotobyname), it
 * runs `plain`, the non-reentrant call, and copies the entry it points to (its
 * strings stay where they are until the next call of this thread).
 */
function databaseLookup(
  size: number,
  reentrant: boolean,
  call: (ret: Uint8Array, buf: Uint8Array, buflen: number, result: Uint8Array) => number,
  plain: () => number | bigint,
): Uint8Array | null {
  if (!reentrant) {
    const p = plain();
    return p === 0 || p === 0n ? null : ffi.peek(p, size);
  }
  for (let buflen = 1024;; buflen *= 2) {
    const [ret, result, buf] = arena(size, POINTER_SIZE, buflen);
    const r = call(ret, buf, buflen, result);
    if (ffi.readPointer(ffi.addressOf(result), 0) !== 0n) return ret;
    if (r !== ERANGE || buflen >= HOSTENT_BUFFER_MAX) return null;
  }
}

/** Swaps a 16-bit value between host and network order. */
function swap16(n: number): number {
  return littleEndian ? ((n & 0xff) << 8) | ((n >> 8) & 0xff) : n & 0xffff;
}

/**
 * The port number of an Internet service, as Python's `socket.getservbyname`; the
 * optional protocol ("tcp" or "udp") narrows the match. Throws OSError "service/proto
 * not found" when there is none.
 *
 * @example
 * ```ts
 * import { getservbyname } from "./resolve.ts";
 * console.log(getservbyname("http", "tcp")); // 80
 * ```
 */
export function getservbyname(servicename: string, protocolname?: string): number {
  const name = strArgument(servicename, "getservbyname", 1);
  const proto = protocolname === undefined ? null : strArgument(protocolname, "getservbyname", 2);
  const SE = L.servent;
  const entry = databaseLookup(
    SE.size,
    typeof (libc as { getservbyname_r?: unknown }).getservbyname_r === "function",
    (ret, buf, buflen, result) => libc.getservbyname_r(name, proto, ret, buf, buflen, result),
    () => libc.getservbyname(name, proto),
  );
  if (entry === null) throw new OSError("service/proto not found");
  return swap16(view(entry).getInt32(SE.s_port, littleEndian));
}

/**
 * The name of the Internet service on a port, as Python's `socket.getservbyport`;
 * the optional protocol ("tcp" or "udp") narrows the match. Throws RangeError when
 * the port is outside 0-65535, OSError "port/proto not found" when there is none.
 *
 * @example
 * ```ts
 * import { getservbyport } from "./resolve.ts";
 * console.log(getservbyport(443)); // "https"
 * ```
 */
export function getservbyport(port: number, protocolname?: string): string {
  const p = toCInt(port);
  const proto = protocolname === undefined ? null : strArgument(protocolname, "getservbyport", 2);
  if (p < 0 || p > 0xffff) throw new RangeError("getservbyport: port must be 0-65535.");
  const SE = L.servent;
  const entry = databaseLookup(
    SE.size,
    typeof (libc as { getservbyport_r?: unknown }).getservbyport_r === "function",
    (ret, buf, buflen, result) => libc.getservbyport_r(swap16(p), proto, ret, buf, buflen, result),
    () => libc.getservbyport(swap16(p), proto),
  );
  if (entry === null) throw new OSError("port/proto not found");
  return ffi.cstring(ffi.readPointer(ffi.addressOf(entry), SE.s_name));
}

/**
 * The number of an Internet protocol, as Python's `socket.getprotobyname` (for the
 * third argument of `socket()`). Throws OSError "protocol not found" when unknown.
 *
 * @example
 * ```ts
 * import { getprotobyname } from "./resolve.ts";
 * console.log(getprotobyname("icmp")); // 1
 * ```
 */
export function getprotobyname(protocolname: string): number {
  const name = strArgument(protocolname, "getprotobyname", 1);
  const PE = L.protoent;
  const entry = databaseLookup(
    PE.size,
    typeof (libc as { getprotobyname_r?: unknown }).getprotobyname_r === "function",
    (ret, buf, buflen, result) => libc.getprotobyname_r(name, ret, buf, buflen, result),
    () => libc.getprotobyname(name),
  );
  if (entry === null) throw new OSError("protocol not found");
  return view(entry).getInt32(PE.p_proto, littleEndian);
}

// ---------------------------------------------------------------------------
// IDNA (the "idna" codec Python applies to host names: IDNA 2003 ToASCII)

const ACE_PREFIX = "xn--";
const LABEL_DOTS = /[.\u3002\uff0e\uff61]/;

function idnaError(reason: string): RangeError {
  return new RangeError(`encoding with 'idna' codec failed (UnicodeError: ${reason})`);
}

function isAscii(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(text);
}

/**
 * Encodes a host name as Python's "idna" codec: an ASCII name is kept as it is
 * (labels checked for length); otherwise each label goes through nameprep and,
 * when still not ASCII, punycode with the "xn--" prefix.
 *
 * @example
 * ```ts
 * import { idnaEncode } from "./resolve.ts";
 * console.log(new TextDecoder().decode(idnaEncode("bücher.example"))); // "xn--bcher-kva.example"
 * ```
 */
export function idnaEncode(host: string): Uint8Array {
  if (isAscii(host)) {
    const labels = host.split(".");
    for (const label of labels.slice(0, -1)) {
      if (label.length === 0 || label.length >= 64) throw idnaError("label empty or too long");
    }
    if (labels[labels.length - 1].length >= 64) throw idnaError("label too long");
    return encoder.encode(host);
  }
  const labels = host.split(LABEL_DOTS);
  let trailingDot = "";
  if (labels.length > 0 && labels[labels.length - 1] === "") {
    trailingDot = ".";
    labels.pop();
  }
  return encoder.encode(labels.map(toAscii).join(".") + trailingDot);
}

function checkedLabel(label: string): string {
  if (label.length > 0 && label.length < 64) return label;
  throw idnaError("label empty or too long");
}

/** RFC 3490 ToASCII with UseSTD3ASCIIRules false and AllowUnassigned false. */
function toAscii(label: string): string {
  if (isAscii(label)) return checkedLabel(label);
  const prepared = nameprep(label);
  if (isAscii(prepared)) return checkedLabel(prepared);
  if (prepared.startsWith(ACE_PREFIX)) throw idnaError("Label starts with ACE prefix");
  return checkedLabel(ACE_PREFIX + punycode(prepared));
}

/** RFC 3491 table B.1: code points mapped to nothing. */
const MAPPED_TO_NOTHING =
  /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;
/** RFC 3454 tables C.1.2 to C.9: code points nameprep prohibits. */
const PROHIBITED =
  /[\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\u0080-\u009f\u06dd\u070f\u180e\u200c\u200d\u2060-\u2063\u206a-\u206f\ufeff\ufff9-\ufffd\ue000-\uf8ff\u{f0000}-\u{ffffd}\u{100000}-\u{10fffd}\ufdd0-\ufdef\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u2ff0-\u2ffb\u0340\u0341\u200e\u200f\u202a-\u202e\u{e0001}\u{e0020}-\u{e007f}\u{1d173}-\u{1d17a}\ud800-\udfff]/u;

/**
 * RFC 3491 nameprep, close to Python's: map (B.1 removal, case folding), NFKC, and
 * the prohibited-character check. The bidi rules and the unassigned-code-point check
 * are not applied.
 */
function nameprep(label: string): string {
  let mapped = "";
  for (const ch of label.replace(MAPPED_TO_NOTHING, "")) mapped += ch.toUpperCase().toLowerCase();
  const normalized = mapped.normalize("NFKC");
  const bad = PROHIBITED.exec(normalized);
  if (bad) {
    const code = bad[0].codePointAt(0)!;
    throw idnaError(`Invalid character '\\u${code.toString(16).padStart(4, "0")}'`);
  }
  return normalized;
}

/** RFC 3492 punycode encoding of one label (without the ACE prefix). */
function punycode(input: string): string {
  const base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700;
  const codes = Array.from(input, (c) => c.codePointAt(0)!);
  const digit = (d: number) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
  const adapt = (delta: number, count: number, first: boolean) => {
    delta = first ? Math.floor(delta / damp) : delta >> 1;
    delta += Math.floor(delta / count);
    let k = 0;
    for (; delta > ((base - tMin) * tMax) >> 1; k += base) {
      delta = Math.floor(delta / (base - tMin));
    }
    return k + Math.floor(((base - tMin + 1) * delta) / (delta + skew));
  };
  let out = codes.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join("");
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += "-";
  let n = 0x80, delta = 0, bias = 72;
  while (handled < codes.length) {
    const m = Math.min(...codes.filter((c) => c >= n));
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of codes) {
      if (c < n) delta++;
      if (c !== n) continue;
      let q = delta;
      for (let k = base;; k += base) {
        const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
        if (q < t) break;
        out += digit(t + ((q - t) % (base - t)));
        q = Math.floor((q - t) / (base - t));
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return out;
}
