/**
 * The conveniences Python's socket.py adds on top of the socket object:
 * create_connection, create_server, has_dualstack_ipv6, send_fds, recv_fds.
 * They call the socket object, never the FFI.
 *
 * @module
 */
import { table } from "./constants/mod.ts";
import { OSError } from "./errors.ts";
import type { Address, AddressInputOf, InetFamily, SockAddr } from "./address.ts";
import { getaddrinfo } from "./resolve.ts";
import { socket } from "./socket.ts";
import { CMSG_LEN } from "./message.ts";
import { pyReprValue } from "./repr.ts";
import { checkPositional, pyTypeName, toCInt, toInt } from "./args.ts";

const C = table.constants;
const AF_INET = C.AF_INET!;
const AF_INET6 = C.AF_INET6!;
const SOCK_STREAM = C.SOCK_STREAM!;
const SOL_SOCKET = C.SOL_SOCKET!;
const SCM_RIGHTS = C.SCM_RIGHTS!;
const IPPROTO_IPV6 = C.IPPROTO_IPV6!;
const IPV6_V6ONLY = C.IPV6_V6ONLY!;
/** Positional parameters of socket.py's send_fds and recv_fds, for their count checks. */
const SEND_FDS_PARAMS: readonly string[] = ["sock", "buffers", "fds", "flags", "address"];
const RECV_FDS_PARAMS: readonly string[] = ["sock", "bufsize", "maxfds", "flags"];

/**
 * Python's `socket._GLOBAL_DEFAULT_TIMEOUT`: create_connection's "not given" timeout,
 * meaning the new socket keeps getdefaulttimeout().
 */
export const _GLOBAL_DEFAULT_TIMEOUT: unique symbol = Symbol("socket._GLOBAL_DEFAULT_TIMEOUT");

/** Options of create_connection (Python's keyword-only parameters). */
export interface CreateConnectionOptions {
  /** On failure raise an AggregateError of every attempt instead of the last error. */
  all_errors?: boolean;
}

/**
 * Connects to a TCP service `[host, port]`, trying every address getaddrinfo gives
 * (IPv4 and IPv6) in order; `timeout` (seconds, or null for blocking) applies to the
 * new socket; `source_address` is bound first. Returns the connected socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * using c = socket.create_connection(srv.getsockname(), 5);
 * assert.strictEqual(c.gettimeout(), 5);
 * ```
 */
export function create_connection(
  address: readonly [string | null, number | string],
  timeout: number | null | typeof _GLOBAL_DEFAULT_TIMEOUT = _GLOBAL_DEFAULT_TIMEOUT,
  source_address: Address | null = null,
  options: CreateConnectionOptions = {},
): socket {
  const [host, port] = address;
  const errors: unknown[] = [];
  for (const [family, type, proto, , sa] of getaddrinfo(host, port, 0, SOCK_STREAM)) {
    let sock: socket | null = null;
    try {
      sock = new socket(family, type, proto);
      if (timeout !== _GLOBAL_DEFAULT_TIMEOUT) sock.settimeout(timeout);
      if (source_address !== null) sock.bind(source_address);
      sock.connect(sa);
      return sock;
    } catch (e) {
      if (!(e instanceof OSError)) {
        sock?.close();
        throw e;
      }
      errors.push(e);
      sock?.close();
    }
  }
  if (errors.length === 0) throw new OSError("getaddrinfo returns an empty list");
  if (options.all_errors) throw new AggregateError(errors, "create_connection failed");
  throw errors[errors.length - 1];
}

/**
 * Whether this machine can make a listening TCP socket that accepts both IPv4 and
 * IPv6 (IPV6_V6ONLY off).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * assert.strictEqual(typeof socket.has_dualstack_ipv6(), "boolean"); // true on Linux with IPv6
 * ```
 */
export function has_dualstack_ipv6(): boolean {
  checkPositional("has_dualstack_ipv6", arguments.length, [], 0, false);
  try {
    using s = new socket(AF_INET6, SOCK_STREAM);
    s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
    return true;
  } catch (e) {
    if (e instanceof OSError) return false;
    throw e;
  }
}

/** Options of create_server (Python's keyword-only parameters). */
export interface CreateServerOptions {
  /** Address family (default AF_INET). */
  family?: number;
  /** listen() backlog (default: listen()'s default). */
  backlog?: number | null;
  /** Set SO_REUSEPORT (several processes may listen on the same port). */
  reuse_port?: boolean;
  /** With AF_INET6, accept IPv4 connections too (IPV6_V6ONLY off). */
  dualstack_ipv6?: boolean;
}

/**
 * A listening TCP socket bound to `address`, with SO_REUSEADDR set, as Python's
 * create_server.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * using srv = socket.create_server(["", 0], { family: socket.AF_INET6, dualstack_ipv6: true });
 * assert.strictEqual(srv.getsockname()[0], "::");
 * ```
 */
export function create_server<F extends number = InetFamily>(
  address: AddressInputOf<F>,
  options?: CreateServerOptions & { family?: F },
): socket<F>;
export function create_server(address: Address, options: CreateServerOptions = {}): socket {
  const family = options.family ?? AF_INET;
  const { backlog = null, reuse_port = false, dualstack_ipv6 = false } = options;
  if (reuse_port && C.SO_REUSEPORT === undefined) {
    throw new RangeError("SO_REUSEPORT not supported on this platform");
  }
  if (dualstack_ipv6) {
    if (!has_dualstack_ipv6()) {
      throw new RangeError("dualstack_ipv6 not supported on this platform");
    }
    if (family !== AF_INET6) throw new RangeError("dualstack_ipv6 requires AF_INET6 family");
  }
  const sock = new socket(family, SOCK_STREAM);
  try {
    sock.setsockopt(SOL_SOCKET, C.SO_REUSEADDR!, 1);
    if (reuse_port) sock.setsockopt(SOL_SOCKET, C.SO_REUSEPORT!, 1);
    if (family === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, dualstack_ipv6 ? 0 : 1);
    try {
      sock.bind(address);
    } catch (e) {
      if (e instanceof OSError && e.errno !== null) {
        const err = new OSError(
          e.errno,
          `${e.strerror} (while attempting to bind on address ${pyReprValue(address)})`,
        );
        throw err;
      }
      throw e;
    }
    if (backlog === null) sock.listen();
    else sock.listen(backlog);
    return sock;
  } catch (e) {
    sock.close();
    throw e;
  }
}

/**
 * Sends `buffers` and the descriptors `fds` over an AF_UNIX socket (SCM_RIGHTS).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * const [a, b] = socket.socketpair();
 * socket.send_fds(a, [new Uint8Array([1])], [a.fileno()]);
 * const [, fds] = socket.recv_fds(b, 10, 1);
 * socket.close(fds[0]);
 * a.close();
 * b.close();
 * ```
 */
export function send_fds(
  sock: socket,
  buffers: Iterable<ArrayBufferView>,
  fds: Iterable<number>,
  flags = 0,
  address: Address | null = null,
): number {
  checkPositional("send_fds", arguments.length, SEND_FDS_PARAMS, 3, false);
  // Python packs them with array("i", fds): each an int that fits a C int, never coerced
  // (NaN, "abc" or 2**32 + n as descriptor 0 or n would pass the wrong descriptor).
  if (typeof fds === "string") {
    throw new TypeError("cannot use a str to initialize an array with typecode 'i'");
  }
  if (
    fds === null || fds === undefined ||
    typeof (fds as Partial<Iterable<number>>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(`'${pyTypeName(fds)}' object is not iterable`);
  }
  const list = Array.from(fds as Iterable<unknown>, toCInt);
  const data = new Uint8Array(list.length * 4);
  const dv = new DataView(data.buffer);
  list.forEach((fd, i) => dv.setInt32(i * 4, fd, true));
  return sock.sendmsg(buffers, [[SOL_SOCKET, SCM_RIGHTS, data]], flags, address);
}

/**
 * Receives up to `bufsize` bytes and up to `maxfds` descriptors:
 * `[data, fds, msg_flags, address]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * const [a, b] = socket.socketpair();
 * a.send(new Uint8Array([9]));
 * const [data, fds] = socket.recv_fds(b, 10, 4);
 * assert.deepStrictEqual([data, fds], [new Uint8Array([9]), []]);
 * a.close();
 * b.close();
 * ```
 */
export function recv_fds(
  sock: socket,
  bufsize: number,
  maxfds: number,
  flags = 0,
): [Uint8Array, number[], number, SockAddr | null] {
  checkPositional("recv_fds", arguments.length, RECV_FDS_PARAMS, 3, false);
  const [data, ancdata, msgFlags, address] = sock.recvmsg(
    bufsize,
    CMSG_LEN(toInt(maxfds) * 4),
    flags,
  );
  const fds: number[] = [];
  for (const [level, type, item] of ancdata) {
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      const dv = new DataView(item.buffer, item.byteOffset, item.byteLength);
      for (let i = 0; i + 4 <= item.length; i += 4) fds.push(dv.getInt32(i, true));
    }
  }
  return [data, fds, msgFlags, address];
}
