/**
 * The host, service and protocol databases (Python's netdb functions): gethostbyname,
 * gethostbyname_ex, gethostbyaddr (and their `_async` twins, run on another thread),
 * getfqdn, gethostname/sethostname, getservbyname/getservbyport and getprotobyname, with
 * Python's arguments, results and errors.
 *
 * @module
 */
import { ffi, hErrnoLocation, libc } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, herror, OSError } from "./errors.ts";
import {
  checkArgs,
  checkNoArguments,
  checkPositional,
  encodeUtf8,
  pyTypeName,
  toCInt,
} from "./args.ts";
import { inet_ntop } from "./inet.ts";
import { idnaEncode } from "./idna.ts";
import { decodeCString, littleEndian, nulTerminated } from "./cmem.ts";
import {
  arena,
  type Call,
  type Lookup,
  POINTER_SIZE,
  type ResolverOptions,
  runAsync,
  runSync,
  view,
} from "./lookup.ts";
import { addrInfoLookup, GaiCall, type RawAddrInfo } from "./resolve.ts";

const C = table.constants;
const L = table.layouts;
const E = table.errno;
const S = table.sys;
const AF_INET = C.AF_INET;
const AF_INET6 = C.AF_INET6;
const IN = L.sockaddr_in;
const IN6 = L.sockaddr_in6;

const encoder = new TextEncoder();

/** What gethostbyname_ex and gethostbyaddr return: `[hostname, aliaslist, ipaddrlist]`. */
export type HostEntry = readonly [hostname: string, aliaslist: string[], ipaddrlist: string[]];

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
      if (this.plain !== 0n) return 0;
      // The error is in libc's h_errno (a global there): copied at once, before another
      // lookup on this thread can change it; HOST_NOT_FOUND if it could not be found.
      if (hErrnoLocation !== 0n) herrno.set(ffi.peek(hErrnoLocation, 4));
      else view(herrno).setInt32(0, S.HOST_NOT_FOUND ?? 1, littleEndian);
      return -1;
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

  /** h_errno of the call (from its h_errnop argument; macOS: copied from libc's h_errno). */
  hErrno(): number {
    return view(this.herrno).getInt32(0, littleEndian);
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
 * import assert from "node:assert";
 * import { gethostbyname } from "./netdb.ts";
 * assert.strictEqual(gethostbyname("localhost"), "127.0.0.1");
 * ```
 */
export function gethostbyname(hostname: string | Uint8Array): string {
  checkArgs("gethostbyname", arguments.length, 1, 1);
  return runSync(gethostbynameLookup(hostNameArgument(hostname, "gethostbyname")));
}

/**
 * {@link gethostbyname} run on another thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gethostbyname_async } from "./netdb.ts";
 * assert.strictEqual(await gethostbyname_async("localhost"), "127.0.0.1");
 * ```
 */
export async function gethostbyname_async(
  hostname: string | Uint8Array,
  options?: ResolverOptions,
): Promise<string> {
  return await runAsync(
    gethostbynameLookup(hostNameArgument(hostname, "gethostbyname")),
    options?.signal,
  );
}

/**
 * Translates a host name to `[hostname, aliaslist, ipaddrlist]` (IPv4 only), as
 * Python's `socket.gethostbyname_ex`. Throws `gaierror` when the name does not
 * resolve, `herror` when the host database has no entry for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gethostbyname_ex } from "./netdb.ts";
 * const [name, , addresses] = gethostbyname_ex("localhost"); // ["localhost", [], ["127.0.0.1"]]
 * assert.strictEqual(name, "localhost");
 * assert.ok(addresses.includes("127.0.0.1"));
 * ```
 */
export function gethostbyname_ex(hostname: string | Uint8Array): HostEntry {
  checkArgs("gethostbyname_ex", arguments.length, 1, 1);
  return runSync(gethostbynameExLookup(hostNameArgument(hostname, "gethostbyname_ex")));
}

/**
 * {@link gethostbyname_ex} run on another thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gethostbyname_ex_async } from "./netdb.ts";
 * const [name, , addresses] = await gethostbyname_ex_async("localhost");
 * assert.strictEqual(name, "localhost");
 * assert.ok(addresses.includes("127.0.0.1"));
 * ```
 */
export async function gethostbyname_ex_async(
  hostname: string | Uint8Array,
  options?: ResolverOptions,
): Promise<HostEntry> {
  return await runAsync(
    gethostbynameExLookup(hostNameArgument(hostname, "gethostbyname_ex")),
    options?.signal,
  );
}

/**
 * The reverse lookup of an IPv4 or IPv6 address (or of a name's first address), as
 * Python's `socket.gethostbyaddr`: `[hostname, aliaslist, ipaddrlist]`. Throws
 * `herror` when the address has no name.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gethostbyaddr } from "./netdb.ts";
 * const [name, , addresses] = gethostbyaddr("127.0.0.1"); // ["localhost", [], ["127.0.0.1"]]
 * assert.strictEqual(name, "localhost"); // the first name /etc/hosts gives 127.0.0.1
 * assert.deepStrictEqual(addresses, ["127.0.0.1"]);
 * ```
 */
export function gethostbyaddr(ip_address: string | Uint8Array): HostEntry {
  checkArgs("gethostbyaddr", arguments.length, 1, 1);
  return runSync(gethostbyaddrLookup(hostNameArgument(ip_address, "gethostbyaddr")));
}

/**
 * {@link gethostbyaddr} run on another thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gethostbyaddr_async } from "./netdb.ts";
 * assert.strictEqual((await gethostbyaddr_async("127.0.0.1"))[2][0], "127.0.0.1");
 * ```
 */
export async function gethostbyaddr_async(
  ip_address: string | Uint8Array,
  options?: ResolverOptions,
): Promise<HostEntry> {
  return await runAsync(
    gethostbyaddrLookup(hostNameArgument(ip_address, "gethostbyaddr")),
    options?.signal,
  );
}

/** The characters Python's str.strip() removes. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_WHITESPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** Positional parameters of socket.py's getfqdn, for its count check. */
const FQDN_PARAMS: readonly string[] = ["name"];

/**
 * A fully qualified domain name for `name`, as Python's `socket.getfqdn`: the
 * local host when `name` is empty, "0.0.0.0" or "::"; otherwise the first of the
 * reverse lookup's host name and aliases that contains a dot, else that host name;
 * `name` itself when the lookup fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { getfqdn } from "./netdb.ts";
 * assert.ok(getfqdn("127.0.0.1").startsWith("localhost")); // "localhost" on most machines
 * ```
 */
export function getfqdn(name: string = ""): string {
  checkPositional("getfqdn", arguments.length, FQDN_PARAMS, 0, false);
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
 * import assert from "node:assert";
 * import { hostname } from "node:os";
 * import { gethostname } from "./netdb.ts";
 * assert.strictEqual(gethostname(), hostname()); // e.g. "myhost"
 * ```
 */
export function gethostname(): string {
  checkNoArguments("_socket.gethostname", arguments.length);
  const buf = new Uint8Array(1024);
  if (libc.gethostname(buf, buf.length - 1) < 0) throw fromErrno(ffi.errno(), "gethostname");
  return decodeCString(buf);
}

/**
 * Sets the machine's host name, as Python's `socket.sethostname` (needs
 * CAP_SYS_ADMIN in the UTS namespace; PermissionError otherwise).
 *
 * @example
 * ```ts ignore
 * import { sethostname } from "./netdb.ts";
 * sethostname("sandbox"); // inside a private UTS namespace (unshare -u)
 * ```
 */
export function sethostname(name: string | Uint8Array): void {
  checkArgs("sethostname", arguments.length, 1, 1);
  let bytes: Uint8Array;
  if (typeof name === "string") {
    if (name.includes("\0")) throw new RangeError("embedded null byte");
    bytes = encodeUtf8(name, true);
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
  return nulTerminated(encodeUtf8(value));
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
 * import assert from "node:assert";
 * import { getservbyname } from "./netdb.ts";
 * assert.strictEqual(getservbyname("http", "tcp"), 80);
 * ```
 */
export function getservbyname(servicename: string, protocolname?: string): number {
  checkArgs("getservbyname", arguments.length, 1, 2);
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
 * import assert from "node:assert";
 * import { getservbyport } from "./netdb.ts";
 * assert.strictEqual(getservbyport(443), "https");
 * ```
 */
export function getservbyport(port: number, protocolname?: string): string {
  checkArgs("getservbyport", arguments.length, 1, 2);
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
 * import assert from "node:assert";
 * import { getprotobyname } from "./netdb.ts";
 * assert.strictEqual(getprotobyname("icmp"), 1);
 * ```
 */
export function getprotobyname(protocolname: string): number {
  checkArgs("getprotobyname", arguments.length, 1, 1);
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
