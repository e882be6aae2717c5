/**
 * Name resolution: getaddrinfo and getnameinfo, with Python's arguments, results and
 * errors, plus Promise-returning twins (`getaddrinfo_async`, `getnameinfo_async`) that run
 * the C call on another thread. The host database lookups (gethostby*, getservby*,
 * getprotobyname, host names) are netdb.ts's; the IDNA codec is idna.ts's.
 *
 * Each lookup is a generator run by lookup.ts's driver, on the calling thread (sync) or
 * off it (async). The synchronous `getaddrinfo`, the hot one, skips the generator and
 * reuses module-level buffers (nothing else can run while it is in C).
 *
 * @module
 */
import { ffi, libc } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, gaierror, OSError } from "./errors.ts";
import { checkArgs, checkPositional, encodeUtf8, toCInt, toInt } from "./args.ts";
import {
  type AddrInfoRecord,
  decodeAddress,
  readAddrInfoRecord,
  type SockAddr,
  SOCKADDR_MAX,
} from "./sockaddr.ts";
import { idnaEncode } from "./idna.ts";
import {
  arena,
  type Call,
  cText,
  littleEndian,
  type Lookup,
  POINTER_SIZE,
  type ResolverOptions,
  runAsync,
  runSync,
  view,
} from "./lookup.ts";
export type { Inet6Address, InetAddress, SockAddr } from "./sockaddr.ts";

const C = table.constants;
const L = table.layouts;
const S = table.sys;

/** One entry of getaddrinfo's result: `[family, type, proto, canonname, sockaddr]`. */
export type AddrInfo = readonly [
  family: number,
  type: number,
  proto: number,
  canonname: string,
  sockaddr: SockAddr,
];

/** A host as getaddrinfo takes it: a name or numeric address, bytes, or null (NULL). */
export type Host = string | Uint8Array | null;
/** A port as getaddrinfo takes it: a number, a service name or numeric string, bytes, or null. */
export type Port = number | bigint | string | Uint8Array | null;

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// getaddrinfo

const AI = L.addrinfo;
const EAI_SYSTEM = C.EAI_SYSTEM;

/** One getaddrinfo call: its buffers, and errno when it ran on this thread. */
export class GaiCall implements Call {
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
export interface RawAddrInfo {
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

/** One addrinfo node, copied into {@link nodeScratch} by {@link readAddrInfoList}. */
const nodeScratch = new Uint8Array(new ArrayBuffer(AI.size));
const nodeView = view(nodeScratch);
/** The fields of the node in {@link nodeScratch}. */
const node: AddrInfoRecord = {
  flags: 0,
  family: 0,
  socktype: 0,
  protocol: 0,
  addrlen: 0,
  addr: 0n,
  canonname: 0n,
  next: 0n,
};
/** The sockaddr of that node, when it fits (it always does from a real getaddrinfo). */
const sockaddrScratch = new Uint8Array(new ArrayBuffer(SOCKADDR_MAX));

/**
 * What {@link readAddrInfoList} makes of each node: `sockaddr[0, length)` is its address,
 * in memory reused for the next node (decode or copy it before returning).
 */
type Entry<T> = (
  family: number,
  type: number,
  proto: number,
  canonname: string,
  sockaddr: Uint8Array,
  length: number,
) => T;

/** A {@link RawAddrInfo}, its sockaddr copied out of the scratch. */
const rawEntry: Entry<RawAddrInfo> = (family, type, proto, canonname, sockaddr, length) => ({
  family,
  type,
  proto,
  canonname,
  addr: sockaddr.slice(0, length),
});

/** getaddrinfo's result tuple, its sockaddr decoded (decodeAddress keeps no view of it). */
const decodedEntry: Entry<AddrInfo> = (family, type, proto, canonname, sockaddr, length) =>
  Object.freeze([family, type, proto, canonname, decodeAddress(sockaddr, length)] as const);

/**
 * Reads the addrinfo list at `head`, each node and its sockaddr copied into module-level
 * scratch memory (never yields, so sync and async lookups can share it), its pointers
 * read from the copy. A sockaddr longer than the scratch gets a copy of its own.
 */
function readAddrInfoList<T>(head: bigint, entry: Entry<T>): T[] {
  const out: T[] = [];
  for (let p = head; p !== 0n;) {
    ffi.peekInto(p, nodeScratch, AI.size);
    readAddrInfoRecord(nodeView, AI, POINTER_SIZE, node);
    const length = node.addr === 0n ? 0 : node.addrlen;
    let sockaddr: Uint8Array = sockaddrScratch;
    if (length > sockaddr.length) sockaddr = ffi.peek(node.addr, length);
    else if (length !== 0) ffi.peekInto(node.addr, sockaddr, length);
    out.push(entry(
      node.family,
      node.socktype,
      node.protocol,
      node.canonname === 0n ? "" : ffi.cstring(node.canonname),
      sockaddr,
      length,
    ));
    p = node.next;
  }
  return out;
}

/**
 * The addrinfo list at `head` as getaddrinfo's result tuples, the list left to the caller:
 * for tests of the reader on lists built in memory.
 *
 * @ignore
 */
export function readAddrInfo(head: bigint): AddrInfo[] {
  return readAddrInfoList(head, decodedEntry);
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
export function addrInfoLookup(call: GaiCall): Lookup<RawAddrInfo[]>;
/** Runs one getaddrinfo call and returns the list made by `entry`, freed on every path. */
export function addrInfoLookup<T>(call: GaiCall, entry: Entry<T>): Lookup<T[]>;
export function* addrInfoLookup(
  call: GaiCall,
  entry: Entry<unknown> = rawEntry,
): Lookup<unknown[]> {
  const code = yield call;
  if (code !== 0) throw gaiError(code, call.errno, "getaddrinfo");
  const head = call.head();
  try {
    return readAddrInfoList(head, entry);
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

/** Positional parameters of socket.py's getaddrinfo, for its count check. */
const GAI_PARAMS: readonly string[] = ["host", "port", "family", "type", "proto", "flags"];

function portArgument(port: unknown): Uint8Array | null {
  if (port === null) return null;
  if (typeof port === "string") return encodeUtf8(port);
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

function getaddrinfoLookup(call: GaiCall): Lookup<AddrInfo[]> {
  return addrInfoLookup(call, decodedEntry);
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
 * import assert from "node:assert";
 * import { getaddrinfo } from "./resolve.ts";
 * import { AF_INET, IPPROTO_TCP, SOCK_STREAM } from "./mod.ts";
 * for (const [family, type, proto, canonname, sockaddr] of getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM)) {
 *   assert.deepStrictEqual([family, type, proto, canonname, sockaddr], [AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 80]]);
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
  if (arguments.length < 2 || arguments.length > 6) {
    checkPositional("getaddrinfo", arguments.length, GAI_PARAMS, 2, false);
  }
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
  try {
    return readAddrInfoList(head, decodedEntry);
  } finally {
    if (head !== 0n) libc.freeaddrinfo(head);
  }
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
 * other thread being out of reach. A last `{ signal }` stops the wait (see
 * {@link ResolverOptions}).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { getaddrinfo_async } from "./resolve.ts";
 * import { AF_INET } from "./mod.ts";
 * const infos = await getaddrinfo_async("localhost", "http", AF_INET);
 * assert.deepStrictEqual(infos[0][4], ["127.0.0.1", 80]);
 * ```
 */
export async function getaddrinfo_async(
  host: Host,
  port: Port,
  family: number = 0,
  type: number = 0,
  proto: number = 0,
  flags: number = 0,
  options?: ResolverOptions,
): Promise<AddrInfo[]> {
  return await runAsync(
    getaddrinfoLookup(gaiRequest(host, port, family, type, proto, flags)),
    options?.signal,
  );
}

// ---------------------------------------------------------------------------
// getnameinfo

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
    throw new TypeError("getnameinfo() argument 1 must be an array");
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
      encodeUtf8(args.host),
      encoder.encode(String(args.port)),
      C.AF_UNSPEC,
      C.SOCK_DGRAM,
      0,
      C.AI_NUMERICHOST,
    ),
  );
  if (list.length > 1) throw new OSError("sockaddr resolved to multiple addresses");
  const { family, addr } = list[0];
  if (family === AF_INET && args.size !== 2) {
    throw new OSError("IPv4 sockaddr must be an array of 2");
  }
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
 * import assert from "node:assert";
 * import { getnameinfo } from "./resolve.ts";
 * import { NI_NUMERICHOST, NI_NUMERICSERV } from "./mod.ts";
 * assert.deepStrictEqual(getnameinfo(["127.0.0.1", 80], 0), ["localhost", "http"]);
 * assert.deepStrictEqual(getnameinfo(["::1", 80, 0, 0], NI_NUMERICHOST | NI_NUMERICSERV), ["::1", "80"]);
 * ```
 */
export function getnameinfo(
  sockaddr: readonly [string, number, number?, number?],
  flags: number,
): [host: string, port: string] {
  if (arguments.length > 2) checkArgs("getnameinfo", arguments.length, 2, 2);
  return runSync(getnameinfoLookup(nameInfoArguments(sockaddr, flags)));
}

/**
 * {@link getnameinfo} run on another thread (asyncio's `loop.getnameinfo`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { getnameinfo_async } from "./resolve.ts";
 * assert.deepStrictEqual(await getnameinfo_async(["127.0.0.1", 22], 0), ["localhost", "ssh"]);
 * ```
 */
export async function getnameinfo_async(
  sockaddr: readonly [string, number, number?, number?],
  flags: number,
  options?: ResolverOptions,
): Promise<[host: string, port: string]> {
  return await runAsync(getnameinfoLookup(nameInfoArguments(sockaddr, flags)), options?.signal);
}
