/**
 * The socket object: Python's `socket.socket` over libc, synchronous, with Python's
 * three modes (blocking, non-blocking, timeout), PEP 475 EINTR retry and PEP 446
 * close-on-exec descriptors.
 *
 * Every operation that can wait goes through one mechanism, {@link socket#io}: it
 * makes the system call, retries on EINTR, and in timeout mode waits with poll()
 * until the deadline. Hot paths (send, sendto, recv_into, recvfrom_into) use
 * per-socket scratch memory and allocate nothing per call.
 *
 * @module
 */
import { ffi, libc, MAX_IO } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno, OSError, resourceWarning, TimeoutError } from "./errors.ts";
import { pyRepr } from "./repr.ts";
import {
  type Address,
  type AddressInputOf,
  type AddressOf,
  decodeAddress,
  encodeAddress,
  familyOf,
  reprAddress,
  reusableKey,
  sameAddress,
  snapshotAddress,
  type SockAddr,
  SOCKADDR_MAX,
} from "./address.ts";
import {
  checkArgs,
  checkNoArguments,
  checkOneArgument,
  checkPositional,
  cString,
  pyTypeName,
  toBytes,
  toCInt,
  toInt,
} from "./args.ts";
import {
  type AncData,
  recvmsg,
  recvmsg_into,
  type RecvmsgIntoResult,
  type RecvmsgResult,
  sendmsg,
} from "./message.ts";
import { makefile, type MakefileOptions, type SocketFileFor } from "./makefile.ts";
import { notifyClose, notifyOpen } from "./reactor/hooks.ts";
import { netPermissionHook } from "./permissions.ts";
import { emulatedSocketpair, installWindowsMethods, protocolInfo } from "./winsock.ts";
import { windowsLayer } from "./ffi/windows.ts";

const C = table.constants;
const S = table.sys;
/** Windows (ws2_32 through ffi/windows.ts): a few calls differ, see winsock.ts. */
const WINDOWS = windowsLayer !== undefined;
const E = table.errno;
const L = table.layouts;

const AF_INET = C.AF_INET!;
const SOCK_STREAM = C.SOCK_STREAM!;
const SOL_SOCKET = C.SOL_SOCKET!;
const SOCK_NONBLOCK = S.SOCK_NONBLOCK ?? 0;
const SOCK_CLOEXEC = S.SOCK_CLOEXEC ?? 0;
const MSG_DONTWAIT = C.MSG_DONTWAIT ?? S.MSG_DONTWAIT ?? 0;
/** macOS's per-socket SIGPIPE switch (Linux uses MSG_NOSIGNAL on each send instead). */
const SO_NOSIGPIPE = S.SO_NOSIGPIPE;
/** Not where SO_NOSIGPIPE is set on every socket (older macOS kernels lack the flag). */
const MSG_NOSIGNAL = SO_NOSIGPIPE === undefined ? S.MSG_NOSIGNAL ?? 0 : 0;
/** Linux's sendfile(2); macOS's has another signature, so a read-and-send loop there. */
const HAS_SENDFILE = typeof (libc as { sendfile?: unknown }).sendfile === "function";
/** The read-and-send loop's buffer (one per process: the loop never yields inside). */
let sendScratch: Uint8Array | undefined;
/** accept4 (Linux); elsewhere (macOS) accept, then FD_CLOEXEC as CPython does. */
const HAS_ACCEPT4 = typeof (libc as { accept4?: unknown }).accept4 === "function";
const EINTR = E.EINTR!;
const EAGAIN = E.EAGAIN!;
const EWOULDBLOCK = E.EWOULDBLOCK ?? EAGAIN;
const EINPROGRESS = E.EINPROGRESS!;
const EISCONN = E.EISCONN!;
// CPython on Windows calls Winsock with INVALID_SOCKET once closed: WSAENOTSOCK.
const EBADF = WINDOWS ? E.ENOTSOCK! : E.EBADF!;
const ECONNRESET = E.ECONNRESET!;
const ENOTSOCK = E.ENOTSOCK!;
const POLLIN = S.POLLIN!;
const POLLOUT = S.POLLOUT!;
const SOMAXCONN = C.SOMAXCONN ?? 128;

/** The system calls the shared I/O mechanism ({@link socket#io}) makes. */
const enum SysCall {
  Recv,
  Send,
  RecvFrom,
  SendTo,
  Accept,
  RecvMsg,
  SendMsg,
  /** The end of a connect in progress: waits writable first, then reads SO_ERROR. */
  Connect,
  /** One step of a {@link SendfileJob}. */
  Sendfile,
  /** recvmmsg(2)/sendmmsg(2) through a {@link BatchCall}. */
  RecvMmsg,
  SendMmsg,
}
const sysCallNames = [
  "recv",
  "send",
  "recvfrom",
  "sendto",
  "accept",
  "recvmsg",
  "sendmsg",
  "connect",
  "sendfile",
  "recvmmsg",
  "sendmmsg",
];
/** Whether a SysCall waits for POLLOUT (else POLLIN). */
const WRITES = [false, true, false, true, false, false, true, true, true, false, true];

/**
 * What mmsg.ts hands {@link socket._mmsg}: one recvmmsg/sendmmsg attempt of `n` messages on
 * `fd` (the count, or -1 with errno set).
 */
type BatchCall = { _attempt(fd: number, n: number, flags: number, writing: boolean): number };
/** The operand of the SysCall.RecvMmsg/SendMmsg in progress (calls never nest). */
let batchCall: BatchCall | null = null;
/** The operand of the SysCall.Sendfile in progress. */
let sendfileJob: SendfileJob | null = null;
/** The errno of SysCall.Connect's last attempt (SO_ERROR, or getsockopt's own errno). */
let connectErrno = 0;

let defaultTimeout: number | null = null;

/**
 * Python's `socket.getdefaulttimeout()`: the timeout in seconds new sockets get,
 * or null (blocking).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { getdefaulttimeout } from "./socket.ts";
 * assert.strictEqual(getdefaulttimeout(), null);
 * ```
 */
export function getdefaulttimeout(): number | null {
  checkNoArguments("_socket.getdefaulttimeout", arguments.length);
  return defaultTimeout;
}

/**
 * Python's `socket.setdefaulttimeout(timeout)`: the timeout new sockets get.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { getdefaulttimeout, setdefaulttimeout } from "./socket.ts";
 * setdefaulttimeout(2.5);
 * assert.strictEqual(getdefaulttimeout(), 2.5);
 * setdefaulttimeout(null);
 * ```
 */
export function setdefaulttimeout(timeout: number | null): void {
  checkOneArgument("_socket.setdefaulttimeout", arguments.length);
  defaultTimeout = checkTimeout(timeout);
}

function checkTimeout(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number") {
    if (typeof value === "bigint") return checkTimeout(Number(value));
    throw new TypeError(`'${pyTypeName(value)}' object cannot be interpreted as an integer`);
  }
  if (Number.isNaN(value)) throw new RangeError("Invalid value NaN (not a number)");
  if (value < 0) throw new RangeError("Timeout value out of range");
  if (!Number.isFinite(value) || value > 9.2e9) {
    throw new RangeError("timestamp out of range for platform time_t");
  }
  return value;
}

/**
 * Encodes `address` (a snapshot: see snapshotAddress) into `out` and, while net
 * permission checks are on, checks exactly the sockaddr that was encoded.
 */
function encodeChecked(family: number, address: unknown, out: Uint8Array, fn: string): number {
  const length = encodeAddress(family, address, out, fn);
  if (netPermissionHook !== null) netPermissionHook(family, out, length, address, fn);
  return length;
}

/** Positional parameters of the methods socket.py writes in Python, for their count checks. */
const NO_PARAMS: readonly string[] = [];
const SENDFILE_PARAMS: readonly string[] = ["file", "offset", "count"];
const INHERITABLE_PARAMS: readonly string[] = ["inheritable"];

/** recv_into/recvfrom_into's count check (a keyword parse: "missing required argument"). */
function checkBufferArgs(fn: string, given: number): void {
  if (given === 0) throw new TypeError(`${fn}() missing required argument 'buffer' (pos 1)`);
  checkArgs(fn, given, 1, 3);
}

/** Options of the socket constructor, socketpair and accept (Python's `cloexec` keyword). */
export interface SocketOptions {
  /** Create the descriptor close-on-exec (default true, PEP 446). */
  cloexec?: boolean;
}

/** Closes sockets that were dropped without close(), as CPython's ResourceWarning path. */
const finalizer = new FinalizationRegistry<{ fd: number; family: number; type: number }>(
  (held) => {
    resourceWarning(
      `unclosed <socket.socket fd=${held.fd}, family=${constName("AF_", held.family)}, type=${
        constName("SOCK_", held.type)
      }>`,
    );
    notifyClose(held.fd);
    libc.close(held.fd);
  },
);

/** The names of the family and type numbers, for repr. */
function constName(prefix: string, value: number): string {
  for (const [name, v] of Object.entries(C)) {
    if (v === value && name.startsWith(prefix)) return name;
  }
  return String(value);
}

const nodeInspect = Symbol.for("nodejs.util.inspect.custom");
const denoInspect = Symbol.for("Deno.customInspect");

// Scratch memory shared by every socket: each call fills and reads it synchronously, so
// a socket object carries no buffers of its own (2,000 sockets: ~5 MB less heap).
/** sockaddr scratch for calls that take or return an address. */
const addrScratch = new Uint8Array(SOCKADDR_MAX);
/** socklen_t scratch (also the int scratch for getsockopt/setsockopt). */
const lenScratch = new Uint32Array(2);
const lenScratchBytes = new Uint8Array(lenScratch.buffer);
/** The pollfd of a timeout-mode wait. */
const pollfdScratch = new Uint8Array(L.pollfd.size);
const pollfdView = new DataView(pollfdScratch.buffer);
/** recv()'s receive buffer (copied out before the call returns). */
let recvScratch = new Uint8Array(0);

/**
 * Python's `socket.socket`: a BSD socket. Methods and attributes carry Python's
 * names, arguments, defaults and errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * using srv = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
 * srv.bind(["127.0.0.1", 0]);
 * srv.listen();
 * using cli = socket.create_connection(srv.getsockname());
 * const [conn] = srv.accept();
 * cli.sendall(new TextEncoder().encode("hello"));
 * assert.strictEqual(new TextDecoder().decode(conn.recv(1024)), "hello");
 * conn.close();
 * ```
 */
export class socket<F extends number = number> {
  #fd = -1;
  #family: number;
  #type: number;
  #proto: number;
  /** Seconds; null = blocking; 0 = non-blocking. */
  #timeout: number | null = null;
  /** The length of the address in the shared sockaddr scratch, from this socket's last call. */
  #addrLength = 0;
  /**
   * sendto's destination sockaddr (allocated by the first sendto), reused while the same
   * numeric address comes again.
   */
  #dest: Uint8Array | null = null;
  #destLength = 0;
  #destKey: readonly unknown[] | string | null = null;
  /**
   * Set by makefile(): open file objects keep the descriptor alive.
   *
   * @ignore
   */
  _io_refs = 0;
  #closedByUser = false;

  /**
   * `new socket(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno = null, { cloexec })`.
   * With a `fileno` and no family/type/proto, they are read from the descriptor.
   */
  constructor(
    family?: F | null,
    type?: number | null,
    proto?: number | null,
    fileno?: number | null,
    options: SocketOptions = {},
  ) {
    const cloexec = options.cloexec ?? true;
    if (fileno !== undefined && fileno !== null) {
      const fd = toCInt(fileno);
      if (fd < 0) throw new RangeError(`negative file descriptor`);
      // As CPython: getsockname() proves the descriptor is a socket (a regular file is
      // ENOTSOCK, a closed number EBADF; Windows: WSAENOTSOCK for both) even when family, type and proto are given.
      lenScratch[0] = SOCKADDR_MAX;
      if (libc.getsockname(fd, addrScratch, lenScratchBytes) < 0) {
        const errno = ffi.errno();
        if (errno === EBADF || errno === ENOTSOCK) throw fromErrno(errno);
      }
      let info: number[] | undefined; // Windows: WSAPROTOCOL_INFOW's, read once, as CPython
      const query = (opt: number | undefined, fromInfo: number): number => {
        if (WINDOWS) return (info ??= protocolInfo(fd))[fromInfo];
        if (opt === undefined) throw fromErrno(E.ENOPROTOOPT!, "getsockopt");
        return intOptionOrRaise(fd, SOL_SOCKET, opt);
      };
      this.#family = family === undefined || family === null || family === -1
        ? (S.SO_DOMAIN === undefined && !WINDOWS ? boundFamily(fd) : query(S.SO_DOMAIN, 0))
        : toCInt(family);
      this.#type = type === undefined || type === null || type === -1
        ? query(S.SO_TYPE ?? C.SO_TYPE, 1)
        : toCInt(type);
      this.#proto = proto === undefined || proto === null || proto === -1
        // macOS: 0, as CPython; Windows: WSAPROTOCOL_INFOW's
        ? (S.SO_PROTOCOL === undefined && !WINDOWS ? 0 : query(S.SO_PROTOCOL, 2))
        : toCInt(proto);
      this.#fd = fd;
    } else {
      this.#family = family === undefined || family === null || family === -1
        ? AF_INET
        : toCInt(family);
      this.#type = type === undefined || type === null || type === -1 ? SOCK_STREAM : toCInt(type);
      this.#proto = proto === undefined || proto === null || proto === -1 ? 0 : toCInt(proto);
      const fd = libc.socket(
        this.#family,
        this.#type | (cloexec ? SOCK_CLOEXEC : 0),
        this.#proto,
      );
      if (fd < 0) throw fromErrno(ffi.errno(), "socket");
      this.#fd = fd;
      notifyOpen(fd, this);
      if (cloexec && SOCK_CLOEXEC === 0) {
        // No SOCK_CLOEXEC (macOS): set FD_CLOEXEC right after, as CPython does there.
        this.set_inheritable(false);
      }
    }
    if (SO_NOSIGPIPE !== undefined) {
      // macOS has no MSG_NOSIGNAL: ask the socket itself never to raise SIGPIPE.
      lenScratch[1] = 1;
      libc.setsockopt(this.#fd, SOL_SOCKET, SO_NOSIGPIPE, lenScratchBytes.subarray(4), 4);
    }
    if (SOCK_NONBLOCK && (this.#type & SOCK_NONBLOCK)) {
      this.#timeout = 0;
    } else {
      this.#timeout = defaultTimeout;
      if (defaultTimeout !== null) this.#setNonblocking(true);
    }
    finalizer.register(this, { fd: this.#fd, family: this.#family, type: this.type }, this);
  }

  // ---- attributes -------------------------------------------------------------------------

  /** The address family (AF_INET, AF_INET6, AF_UNIX, ...). */
  get family(): number {
    return this.#family;
  }
  /** The socket type, without the SOCK_NONBLOCK and SOCK_CLOEXEC flags. */
  get type(): number {
    return this.#type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  /** The protocol number. */
  get proto(): number {
    return this.#proto;
  }
  /** The timeout in seconds, or null (blocking): the same as gettimeout(). */
  get timeout(): number | null {
    return this.#timeout;
  }

  // ---- the one mechanism for every call that can wait -------------------------------------

  /** The descriptor, or OSError EBADF once closed (the old number is never used again). */
  #live(): number {
    const fd = this.#fd;
    if (fd < 0) throw fromErrno(EBADF);
    return fd;
  }

  /**
   * Runs one system call in the socket's mode (CPython's sock_call_ex): EINTR is retried
   * (PEP 475); in timeout mode EAGAIN waits with poll() until `deadline` (ms,
   * performance.now() clock; 0 = this call's own timeout from the first wait); then
   * TimeoutError("timed out"). Non-blocking mode raises BlockingIOError; blocking mode
   * blocks in the kernel. `deadline` -1 returns -1 on EAGAIN instead (the reactor's
   * attempts, no exception); Infinity waits without limit whatever the mode.
   * SysCall.Connect waits (writable) before its first attempt.
   */
  #io(call: SysCall, buf: Uint8Array | null, n: number, flags: number, deadline: number): number {
    const fd = this.#live();
    if (call === SysCall.Connect) this.#wait(fd, true, deadline);
    for (;;) {
      let r: number;
      switch (call) {
        case SysCall.Recv:
          r = libc.recv(fd, buf, n, flags);
          break;
        case SysCall.Send:
          r = libc.send(fd, buf, n, flags | MSG_NOSIGNAL);
          break;
        case SysCall.RecvFrom:
          lenScratch[0] = SOCKADDR_MAX;
          r = libc.recvfrom(fd, buf, n, flags, addrScratch, lenScratchBytes);
          this.#addrLength = lenScratch[0];
          break;
        case SysCall.SendTo:
          r = libc.sendto(fd, buf, n, flags | MSG_NOSIGNAL, this.#dest!, this.#destLength);
          break;
        case SysCall.Accept:
          lenScratch[0] = SOCKADDR_MAX;
          r = HAS_ACCEPT4
            ? libc.accept4(fd, addrScratch, lenScratchBytes, flags)
            : libc.accept(fd, addrScratch, lenScratchBytes);
          this.#addrLength = lenScratch[0];
          break;
        case SysCall.RecvMsg:
          r = libc.recvmsg(fd, buf, flags);
          break;
        case SysCall.SendMsg:
          r = libc.sendmsg(fd, buf, flags | MSG_NOSIGNAL);
          break;
        case SysCall.Connect: {
          // As CPython's sock_connect_impl: SO_ERROR 0 (or EISCONN) is success.
          const so = intOption(fd, SOL_SOCKET, C.SO_ERROR!);
          connectErrno = so === undefined ? ffi.errno() : so;
          r = connectErrno === 0 || connectErrno === EISCONN ? 0 : -1;
          break;
        }
        case SysCall.Sendfile:
          r = sendfileJob!.run(fd) ? 0 : -1;
          break;
        default:
          r = batchCall!._attempt(fd, n, flags, call === SysCall.SendMmsg);
          break;
      }
      if (r >= 0) return r;
      const errno = call === SysCall.Connect ? connectErrno : call === SysCall.Sendfile
        ? EAGAIN // SendfileJob.run raises every other error itself
        : ffi.errno();
      if (errno === EINTR) continue;
      if (deadline < 0 && (errno === EAGAIN || errno === EWOULDBLOCK)) return -1;
      const timeout = this.#timeout;
      if (
        (errno === EAGAIN || errno === EWOULDBLOCK) &&
        (deadline === Infinity || (timeout !== null && timeout > 0))
      ) {
        if (deadline === 0) deadline = performance.now() + timeout! * 1000;
        this.#wait(fd, WRITES[call], deadline);
        continue;
      }
      throw fromErrno(errno, sysCallNames[call]);
    }
  }

  /**
   * Goes on after a fast path's first attempt of `call` failed with `errno`, as {@link #io}
   * would have (its own first attempt is not repeated: a retry could lose a pending error):
   * EINTR retries, EAGAIN in timeout mode waits from now until the timeout, else it raises.
   */
  #retry(call: SysCall, buf: Uint8Array, n: number, flags: number, errno: number): number {
    if (errno === EINTR) return this.#io(call, buf, n, flags, 0);
    const timeout = this.#timeout;
    if ((errno === EAGAIN || errno === EWOULDBLOCK) && timeout !== null && timeout > 0) {
      const deadline = performance.now() + timeout * 1000;
      this.#wait(this.#live(), WRITES[call], deadline);
      return this.#io(call, buf, n, flags, deadline);
    }
    throw fromErrno(errno, sysCallNames[call]);
  }

  /** Waits until fd is ready for reading or writing, or raises TimeoutError at `deadline`. */
  #wait(fd: number, writing: boolean, deadline: number): void {
    const P = L.pollfd;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new TimeoutError("timed out");
      pollfdView.setInt32(P.fd, fd, true);
      pollfdView.setInt16(P.events, writing ? POLLOUT : POLLIN, true);
      pollfdView.setInt16(P.revents, 0, true);
      const r = libc.poll(pollfdScratch, 1, Math.min(Math.ceil(remaining), 0x7fffffff));
      if (r > 0) return;
      if (r === 0) throw new TimeoutError("timed out");
      const errno = ffi.errno();
      if (errno !== EINTR) throw fromErrno(errno, "poll");
    }
  }

  #setNonblocking(on: boolean): void {
    const fd = this.#live();
    const flags = libc.fcntl(fd, S.F_GETFL!, 0);
    if (flags < 0) throw fromErrno(ffi.errno(), "fcntl");
    const next = on ? flags | S.O_NONBLOCK! : flags & ~S.O_NONBLOCK!;
    if (next !== flags && libc.fcntl(fd, S.F_SETFL!, next) < 0) {
      throw fromErrno(ffi.errno(), "fcntl");
    }
  }

  /** Encodes an address of this socket's family into the sockaddr scratch. */
  #encode(address: unknown, fn: string): number {
    this.#addrLength = encodeChecked(this.#family, snapshotAddress(address), addrScratch, fn);
    return this.#addrLength;
  }

  /** The address in the sockaddr scratch (null when the kernel returned none). */
  #decoded(): SockAddr | null {
    if (this.#addrLength === 0) return null;
    return decodeAddress(addrScratch, Math.min(this.#addrLength, SOCKADDR_MAX));
  }

  // ---- connection setup -------------------------------------------------------------------

  /**
   * Binds the socket to `address`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket(socket.AF_INET);
   * s.bind(["127.0.0.1", 0]);
   * const [host, port] = s.getsockname(); // ["127.0.0.1", 41234]
   * assert.strictEqual(host, "127.0.0.1");
   * assert.ok(port > 0); // the kernel chose a free port
   * ```
   */
  bind(address: AddressInputOf<F>): void;
  bind(address: Address): void {
    checkOneArgument("socket.bind", arguments.length);
    const fd = this.#live();
    const len = this.#encode(address, "bind");
    if (libc.bind(fd, addrScratch, len) < 0) throw fromErrno(ffi.errno(), "bind");
  }

  /**
   * Listens for connections; `backlog` defaults to min(SOMAXCONN, 128), negative means 0.
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * using s = socket.create_server(["127.0.0.1", 0]);
   * s.listen(16);
   * ```
   */
  listen(backlog?: number): void {
    checkArgs("listen", arguments.length, 0, 1);
    const fd = this.#live();
    let n = backlog === undefined ? Math.min(SOMAXCONN, 128) : toCInt(backlog);
    if (n < 0) n = 0;
    if (libc.listen(fd, n) < 0) throw fromErrno(ffi.errno(), "listen");
  }

  /**
   * Accepts a connection: `[conn, address]`. The new socket is close-on-exec unless
   * `{ cloexec: false }`; it takes the default timeout, and is blocking when the default
   * is null and this socket has a timeout, as Python does.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using srv = socket.create_server(["127.0.0.1", 0]);
   * using cli = socket.create_connection(srv.getsockname());
   * const [conn, addr] = srv.accept();
   * assert.strictEqual(addr[0], "127.0.0.1");
   * conn.close();
   * ```
   */
  accept(options?: SocketOptions): [socket<F>, AddressOf<F>];
  accept(options: SocketOptions = {}): [socket, SockAddr] {
    return this.#accept(options.cloexec ?? true, 0)!;
  }

  /** accept(2) through {@link socket#io} (`deadline` -1: null when it would block). */
  #accept(cloexec: boolean, deadline: number): [socket, SockAddr] | null {
    const fd = this.#io(SysCall.Accept, null, 0, cloexec ? SOCK_CLOEXEC : 0, deadline);
    if (fd < 0) return null;
    if (!HAS_ACCEPT4 && cloexec) closeOnExec(fd);
    let address: SockAddr;
    let sock: socket;
    try {
      address = this.#decoded() ?? "";
      sock = new socket(this.#family, this.#type & ~SOCK_NONBLOCK, this.#proto, fd);
    } catch (e) {
      libc.close(fd);
      throw e;
    }
    notifyOpen(fd, sock);
    if (defaultTimeout === null && this.#timeout) sock.setblocking(true);
    return [sock, address];
  }

  /**
   * Connects to `address`. In timeout mode the wait for the handshake honours the
   * timeout (TimeoutError); in non-blocking mode an unfinished connect raises
   * BlockingIOError (EINPROGRESS).
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * using srv = socket.create_server(["127.0.0.1", 0]);
   * using s = new socket.socket();
   * s.connect(srv.getsockname());
   * ```
   */
  connect(address: AddressInputOf<F>): void;
  connect(address: Address): void {
    checkOneArgument("socket.connect", arguments.length);
    const err = this.#connect(address, true);
    if (err !== 0) throw fromErrno(err, "connect");
  }

  /**
   * Like connect(), but returns the errno instead of raising OSError for the
   * system call's failure (0 on success).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.strictEqual(s.connect_ex(["127.0.0.1", 1]), 111); // ECONNREFUSED on Linux (nothing listens on port 1)
   * ```
   */
  connect_ex(address: AddressInputOf<F>): number;
  connect_ex(address: Address): number {
    checkOneArgument("socket.connect_ex", arguments.length);
    return this.#connect(address, false);
  }

  /**
   * connect(2), then as CPython's sock_connect: an interrupted connect (EINTR, not in
   * non-blocking mode) or one in progress in timeout mode is finished through
   * {@link socket#io} (wait writable, read SO_ERROR). Returns the errno (0: connected);
   * with `raise` false a timeout is EWOULDBLOCK instead of TimeoutError.
   */
  #connect(address: Address, raise: boolean): number {
    const fd = this.#live();
    const len = this.#encode(address, raise ? "connect" : "connect_ex");
    if (libc.connect(fd, addrScratch, len) === 0) return 0;
    const errno = ffi.errno();
    const timeout = this.#timeout;
    let deadline: number;
    if (errno === EINTR && timeout !== 0) {
      // PEP 475: an interrupted connect goes on in the kernel; wait for it to finish
      // (calling connect() again would fail with EALREADY).
      deadline = timeout === null ? Infinity : performance.now() + timeout * 1000;
    } else if (
      // Winsock says a connect in progress is WSAEWOULDBLOCK.
      (errno === EINPROGRESS || (WINDOWS && errno === EWOULDBLOCK)) && timeout !== null &&
      timeout > 0
    ) {
      deadline = performance.now() + timeout * 1000;
    } else {
      return errno;
    }
    try {
      this.#io(SysCall.Connect, null, 0, 0, deadline);
      return 0;
    } catch (e) {
      if (raise) throw e;
      // As CPython's sock_call_ex with an err pointer: the wait's errors are returned too.
      if (e instanceof TimeoutError) return EWOULDBLOCK;
      if (e instanceof OSError && typeof e.errno === "number") return e.errno;
      throw e;
    }
  }

  // ---- receiving --------------------------------------------------------------------------

  #recvBuffer(bufsize: number): Uint8Array {
    if (bufsize > 65536) return new Uint8Array(bufsize);
    if (recvScratch.length < bufsize) recvScratch = new Uint8Array(Math.max(bufsize, 4096));
    return recvScratch;
  }

  /**
   * Receives up to `bufsize` bytes; an empty result means the peer closed.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.send(new Uint8Array([1, 2, 3]));
   * assert.deepStrictEqual(b.recv(10), new Uint8Array([1, 2, 3]));
   * a.close();
   * b.close();
   * ```
   */
  recv(bufsize: number, flags = 0): Uint8Array {
    checkArgs("recv", arguments.length, 1, 2);
    const size = toInt(bufsize);
    if (size < 0) throw new RangeError("negative buffersize in recv");
    if (size >= 2 ** 63) throw new RangeError("Python int too large to convert to C ssize_t");
    const f = toCInt(flags);
    // As CPython's sock_recv_guts: 0 bytes asked, no call (recv(2) of 0 would wait).
    if (size === 0) return new Uint8Array(0);
    const buf = this.#recvBuffer(Math.min(size, MAX_IO));
    const n = this.#io(SysCall.Recv, buf, Math.min(size, MAX_IO), f, 0);
    return buf.slice(0, n);
  }

  /**
   * Receives into `buffer` (up to `nbytes`, default its length) and returns the count.
   * Allocates nothing.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * const buf = new Uint8Array(16);
   * a.send(new Uint8Array([7, 8]));
   * assert.strictEqual(b.recv_into(buf), 2);
   * a.close();
   * b.close();
   * ```
   */
  recv_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): number {
    if (arguments.length === 0 || arguments.length > 3) {
      checkBufferArgs("recv_into", arguments.length);
    }
    const buf = buffer instanceof Uint8Array ? buffer : toBytes(buffer);
    let n = typeof nbytes === "number" && (nbytes | 0) === nbytes ? nbytes : toInt(nbytes);
    if (n < 0) throw new RangeError("negative buffersize in recv_into");
    if (n === 0) n = buf.length;
    else if (n > buf.length) throw new RangeError("buffer too small for requested bytes");
    if (n > MAX_IO) n = MAX_IO;
    const f = (flags | 0) === flags ? flags : toCInt(flags);
    if (n === 0) return 0; // as recv
    // The call first; the mode's machinery only after a failure (timeout mode's descriptor
    // is non-blocking, so the call cannot wait past the timeout).
    const r = libc.recv(this.#live(), buf, n, f);
    return r >= 0 ? r : this.#retry(SysCall.Recv, buf, n, f, ffi.errno());
  }

  /**
   * Receives up to `bufsize` bytes and the sender's address: `[bytes, address]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using a = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * a.bind(["127.0.0.1", 0]);
   * using b = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * b.sendto(new Uint8Array([1]), a.getsockname());
   * const [data, from] = a.recvfrom(100);
   * assert.strictEqual(data.length, 1);
   * assert.strictEqual(from?.[0], "127.0.0.1");
   * ```
   */
  recvfrom(bufsize: number, flags?: number): [Uint8Array, AddressOf<F> | null];
  recvfrom(bufsize: number, flags = 0): [Uint8Array, SockAddr | null] {
    checkArgs("recvfrom", arguments.length, 1, 2);
    const size = toInt(bufsize);
    if (size < 0) throw new RangeError("negative buffersize in recvfrom");
    if (size >= 2 ** 63) throw new RangeError("Python int too large to convert to C ssize_t");
    const buf = this.#recvBuffer(Math.min(size, MAX_IO));
    const n = this.#io(SysCall.RecvFrom, buf, Math.min(size, MAX_IO), toCInt(flags), 0);
    return [buf.slice(0, n), this.#decoded()];
  }

  /**
   * Receives into `buffer` and returns `[nbytes, address]`. The address tuple of a
   * repeated IPv4 peer is reused, so a steady stream allocates only the result pair.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using a = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * a.bind(["127.0.0.1", 0]);
   * using b = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * b.sendto(new Uint8Array([1, 2]), a.getsockname());
   * assert.strictEqual(a.recvfrom_into(new Uint8Array(8))[0], 2);
   * ```
   */
  recvfrom_into(
    buffer: ArrayBufferView,
    nbytes?: number,
    flags?: number,
  ): [number, AddressOf<F> | null];
  recvfrom_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): [number, SockAddr | null] {
    if (arguments.length === 0 || arguments.length > 3) {
      checkBufferArgs("recvfrom_into", arguments.length);
    }
    const buf = buffer instanceof Uint8Array ? buffer : toBytes(buffer);
    let n = toInt(nbytes);
    if (n < 0) throw new RangeError("negative buffersize in recvfrom_into");
    if (n === 0) n = buf.length;
    else if (n > buf.length) {
      throw new RangeError("nbytes is greater than the length of the buffer");
    }
    const got = this.#io(SysCall.RecvFrom, buf, Math.min(n, MAX_IO), toCInt(flags), 0);
    return [got, this.#decoded()];
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Sends `data` and returns the number of bytes sent (maybe fewer than given).
   * A vanished peer raises BrokenPipeError; the process never gets SIGPIPE.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * assert.strictEqual(a.send(new Uint8Array([1, 2, 3])), 3);
   * a.close();
   * b.close();
   * ```
   */
  send(data: ArrayBufferView, flags = 0): number {
    checkArgs("send", arguments.length, 1, 2);
    const buf = data instanceof Uint8Array ? data : toBytes(data);
    const n = Math.min(buf.length, MAX_IO);
    const f = (flags | 0) === flags ? flags : toCInt(flags);
    // As recv_into: the call first, the mode's machinery only after a failure.
    const r = libc.send(this.#live(), buf, n, f | MSG_NOSIGNAL);
    return r >= 0 ? r : this.#retry(SysCall.Send, buf, n, f, ffi.errno());
  }

  /**
   * Sends all of `data`, calling send until done; in timeout mode the timeout is
   * the deadline of the whole call, across partial sends.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.sendall(new TextEncoder().encode("all of it"));
   * assert.strictEqual(b.recv(100).length, 9);
   * a.close();
   * b.close();
   * ```
   */
  sendall(data: ArrayBufferView, flags = 0): void {
    checkArgs("sendall", arguments.length, 1, 2);
    const buf = data instanceof Uint8Array ? data : toBytes(data);
    const f = toCInt(flags);
    const timeout = this.#timeout;
    const deadline = timeout !== null && timeout > 0 ? performance.now() + timeout * 1000 : 0;
    let offset = 0;
    while (offset < buf.length) {
      const chunk = buf.subarray(offset, offset + Math.min(buf.length - offset, MAX_IO));
      offset += this.#io(SysCall.Send, chunk, chunk.length, f, deadline);
    }
    if (buf.length === 0) this.#live();
  }

  /**
   * Sends a datagram to `address`: `sendto(data, address)` or `sendto(data, flags, address)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * r.bind(["127.0.0.1", 0]);
   * using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * assert.strictEqual(s.sendto(new Uint8Array([1, 2]), r.getsockname()), 2);
   * ```
   */
  sendto(data: ArrayBufferView, address: AddressInputOf<F>): number;
  /**
   * Sends a datagram to `address` with `flags` (MSG_*): Python's second signature.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * r.bind(["127.0.0.1", 0]);
   * using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
   * assert.strictEqual(s.sendto(new Uint8Array([1]), 0, r.getsockname()), 1);
   * ```
   */
  sendto(data: ArrayBufferView, flags: number, address: AddressInputOf<F>): number;
  sendto(data: ArrayBufferView, flagsOrAddress: unknown, maybeAddress?: unknown): number {
    let flags = 0;
    let address = flagsOrAddress;
    if (arguments.length >= 3) {
      flags = toCInt(flagsOrAddress);
      address = maybeAddress;
    }
    if (arguments.length < 2 || arguments.length > 3) {
      throw new TypeError(`sendto() takes 2 or 3 arguments (${arguments.length} given)`);
    }
    const buf = data instanceof Uint8Array ? data : toBytes(data);
    this.#live();
    this.#destination(address);
    return this.#io(SysCall.SendTo, buf, Math.min(buf.length, MAX_IO), flags, 0);
  }

  /** Encodes sendto's destination, unless it is the same numeric address as last time. */
  #destination(address: unknown): void {
    const key = this.#destKey;
    // While permission checks are on every destination is checked, even one cached
    // before they were turned on.
    if (key !== null && netPermissionHook === null && sameAddress(key, address)) return;
    this.#destKey = null;
    this.#dest ??= new Uint8Array(SOCKADDR_MAX);
    const snapshot = snapshotAddress(address);
    this.#destLength = encodeChecked(this.#family, snapshot, this.#dest, "sendto");
    // The key is what was encoded, never a second read of the caller's tuple.
    if (netPermissionHook === null) this.#destKey = reusableKey(this.#family, snapshot);
  }

  // The asyncio layer's attempts: each never blocks nor waits, whatever the socket's mode
  // (MSG_DONTWAIT, and no poll() in timeout mode), and returns -1 or null when it would
  // block (no exception on that path). Other errors raise as the public methods' do.

  /**
   * One recv(2) attempt into `buf[0, nbytes)`: the count, or -1.
   *
   * @ignore
   */
  _recv_nowait(buf: Uint8Array, nbytes: number, flags: number): number {
    if (nbytes === 0) return 0; // as recv
    return this.#io(SysCall.Recv, buf, Math.min(nbytes, MAX_IO), flags | MSG_DONTWAIT, -1);
  }

  /**
   * One send(2) attempt of `buf[0, nbytes)`: the count, or -1.
   *
   * @ignore
   */
  _send_nowait(buf: Uint8Array, nbytes: number, flags: number): number {
    return this.#io(SysCall.Send, buf, Math.min(nbytes, MAX_IO), flags | MSG_DONTWAIT, -1);
  }

  /**
   * One sendto(2) attempt of `buf[0, nbytes)` to `address`: the count, or -1.
   *
   * @ignore
   */
  _sendto_nowait(buf: Uint8Array, nbytes: number, address: unknown): number {
    this.#live();
    this.#destination(address);
    return this.#io(SysCall.SendTo, buf, Math.min(nbytes, MAX_IO), MSG_DONTWAIT, -1);
  }

  /**
   * One recvfrom(2) attempt into `buf[0, nbytes)`: `[count, address]`, or null.
   *
   * @ignore
   */
  _recvfrom_into_nowait(buf: Uint8Array, nbytes: number): [number, SockAddr | null] | null {
    const n = this.#io(SysCall.RecvFrom, buf, Math.min(nbytes, MAX_IO), MSG_DONTWAIT, -1);
    return n < 0 ? null : [n, this.#decoded()];
  }

  /**
   * One recvfrom(2) attempt of up to `bufsize` bytes: `[bytes, address]`, or null.
   *
   * @ignore
   */
  _recvfrom_nowait(bufsize: number): [Uint8Array, SockAddr | null] | null {
    const size = Math.min(bufsize, MAX_IO);
    const buf = this.#recvBuffer(size);
    const n = this.#io(SysCall.RecvFrom, buf, size, MSG_DONTWAIT, -1);
    return n < 0 ? null : [buf.slice(0, n), this.#decoded()];
  }

  /**
   * One sendmsg(2) attempt with a prepared msghdr: the count, or -1.
   *
   * @ignore
   */
  _sendmsg_nowait(msghdr: Uint8Array, flags: number): number {
    return this.#io(SysCall.SendMsg, msghdr, 0, flags | MSG_DONTWAIT, -1);
  }

  /**
   * One recvmsg(2) attempt with a prepared msghdr: the count, or -1.
   *
   * @ignore
   */
  _recvmsg_nowait(msghdr: Uint8Array, flags: number): number {
    return this.#io(SysCall.RecvMsg, msghdr, 0, flags | MSG_DONTWAIT, -1);
  }

  /**
   * One accept attempt: `[conn, address]`, or null. accept(2) has no MSG_DONTWAIT: the
   * caller makes sure the descriptor is non-blocking.
   *
   * @ignore
   */
  _accept_nowait(): [socket, SockAddr] | null {
    return this.#accept(true, -1);
  }

  /**
   * Runs sendmsg(2) with a prepared msghdr through the shared mechanism (for message.ts).
   *
   * @ignore
   */
  _sendmsg(msghdr: Uint8Array, flags: number): number {
    return this.#io(SysCall.SendMsg, msghdr, 0, flags, 0);
  }

  /**
   * Runs recvmsg(2) with a prepared msghdr through the shared mechanism (for message.ts).
   *
   * @ignore
   */
  _recvmsg(msghdr: Uint8Array, flags: number): number {
    return this.#io(SysCall.RecvMsg, msghdr, 0, flags, 0);
  }

  /**
   * Runs one recvmmsg(2)/sendmmsg(2) of `n` messages through the shared mechanism (for
   * mmsg.ts): `nowait` makes one attempt and returns -1 when it would block.
   *
   * @ignore
   */
  _mmsg(batch: BatchCall, n: number, flags: number, writing: boolean, nowait: boolean): number {
    batchCall = batch;
    try {
      return this.#io(
        writing ? SysCall.SendMmsg : SysCall.RecvMmsg,
        null,
        n,
        flags,
        nowait ? -1 : 0,
      );
    } finally {
      batchCall = null;
    }
  }

  /**
   * Encodes `address` for this socket's family into a new buffer (for message.ts).
   *
   * @ignore
   */
  _encodeAddress(address: unknown, fn: string): Uint8Array {
    const out = new Uint8Array(SOCKADDR_MAX);
    return out.subarray(0, encodeChecked(this.#family, snapshotAddress(address), out, fn));
  }

  // ---- messages, files ----------------------------------------------------------------------

  /**
   * Sends the gathered `buffers` with ancillary data items `[level, type, data]`,
   * optionally to `address`; returns the number of bytes sent.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.sendmsg([new Uint8Array([1]), new Uint8Array([2, 3])]);
   * assert.deepStrictEqual(b.recv(10), new Uint8Array([1, 2, 3]));
   * a.close();
   * b.close();
   * ```
   */
  sendmsg(
    buffers: Iterable<ArrayBufferView>,
    ancdata: Iterable<AncData | readonly unknown[]> = [],
    flags = 0,
    address: Address | null = null,
  ): number {
    checkArgs("sendmsg", arguments.length, 1, 4);
    this.#live();
    return sendmsg(this, buffers, ancdata, flags, address);
  }

  /**
   * Receives up to `bufsize` bytes and up to `ancbufsize` bytes of ancillary data:
   * `[data, ancdata, msg_flags, address]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.send(new Uint8Array([5]));
   * const [data, anc, flags] = b.recvmsg(10);
   * assert.deepStrictEqual([data, anc, flags], [new Uint8Array([5]), [], 0]);
   * a.close();
   * b.close();
   * ```
   */
  recvmsg(bufsize: number, ancbufsize = 0, flags = 0): RecvmsgResult {
    checkArgs("recvmsg", arguments.length, 1, 3);
    this.#live();
    return recvmsg(this, bufsize, ancbufsize, flags)!; // never null: this socket's mode
  }

  /**
   * Scatters received bytes into `buffers`: `[nbytes, ancdata, msg_flags, address]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.send(new Uint8Array([1, 2, 3]));
   * const x = new Uint8Array(1), y = new Uint8Array(4);
   * assert.strictEqual(b.recvmsg_into([x, y])[0], 3);
   * a.close();
   * b.close();
   * ```
   */
  recvmsg_into(
    buffers: Iterable<ArrayBufferView>,
    ancbufsize = 0,
    flags = 0,
  ): RecvmsgIntoResult {
    checkArgs("recvmsg_into", arguments.length, 1, 3);
    this.#live();
    return recvmsg_into(this, buffers, ancbufsize, flags)!;
  }

  /**
   * A file object over the socket (Python's makefile): modes "r", "w", "rw", "rb",
   * "wb", "rwb"; text modes decode with `encoding` (UTF-8 by default).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.sendall(new TextEncoder().encode("line one\nline two\n"));
   * const f = b.makefile("r");
   * assert.strictEqual(f.readline(), "line one\n");
   * f.close();
   * a.close();
   * b.close();
   * ```
   */
  makefile<M extends string = "r">(
    mode: M = "r" as M,
    buffering: number | null = null,
    options: MakefileOptions = {},
  ): SocketFileFor<M> {
    this.#live();
    return makefile(this, mode, buffering, options);
  }

  /**
   * Sends a file with sendfile(2): `file` is an open descriptor or a path. Sends from
   * `offset`, `count` bytes (default: to the end); returns the number of bytes sent.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * const path = Deno.makeTempFileSync();
   * Deno.writeTextFileSync(path, "file body");
   * assert.strictEqual(a.sendfile(path), 9);
   * assert.strictEqual(new TextDecoder().decode(b.recv(100)), "file body");
   * Deno.removeSync(path);
   * a.close();
   * b.close();
   * ```
   */
  sendfile(file: number | string, offset = 0, count: number | null = null): number {
    checkPositional("socket.sendfile", arguments.length, SENDFILE_PARAMS, 1);
    this.#live();
    if (this.type !== SOCK_STREAM) {
      throw new RangeError("only SOCK_STREAM type sockets are supported");
    }
    if (this.#timeout === 0) throw new RangeError("non-blocking sockets are not supported");
    const job = new SendfileJob(file, offset, count);
    try {
      const timeout = this.#timeout;
      // One deadline for the whole file; a blocking socket that sees EAGAIN waits, as
      // Python's socket.sendfile does.
      const deadline = timeout !== null && timeout > 0
        ? performance.now() + timeout * 1000
        : Infinity;
      sendfileJob = job;
      this.#io(SysCall.Sendfile, null, 0, 0, deadline);
      return job.total;
    } finally {
      sendfileJob = null;
      job.close();
    }
  }

  // ---- names, options, modes --------------------------------------------------------------

  #name(getter: "getsockname" | "getpeername"): SockAddr {
    const fd = this.#live();
    lenScratch[0] = SOCKADDR_MAX;
    addrScratch.fill(0);
    if (libc[getter](fd, addrScratch, lenScratchBytes) < 0) throw fromErrno(ffi.errno(), getter);
    this.#addrLength = lenScratch[0];
    return decodeAddress(addrScratch, Math.min(this.#addrLength, SOCKADDR_MAX));
  }

  /**
   * The socket's own address.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket(socket.AF_INET6);
   * s.bind(["::1", 0]);
   * const [host, port, flowinfo, scope_id] = s.getsockname();
   * assert.deepStrictEqual([host, flowinfo, scope_id], ["::1", 0, 0]);
   * assert.ok(port > 0); // the kernel chose a free port
   * ```
   */
  getsockname(): AddressOf<F>;
  getsockname(): SockAddr {
    checkNoArguments("socket.getsockname", arguments.length);
    return this.#name("getsockname");
  }

  /**
   * The address of the connected peer.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using srv = socket.create_server(["127.0.0.1", 0]);
   * using c = socket.create_connection(srv.getsockname());
   * assert.deepStrictEqual(c.getpeername(), srv.getsockname());
   * ```
   */
  getpeername(): AddressOf<F>;
  getpeername(): SockAddr {
    checkNoArguments("socket.getpeername", arguments.length);
    return this.#name("getpeername");
  }

  /**
   * Reads a socket option: an int, or with `buflen` (1-1024) the raw bytes. On an AF_VSOCK
   * socket the int is read as 64 bits, as CPython does (SO_VM_SOCKETS_BUFFER_SIZE and its
   * MIN/MAX are unsigned long long); a value past 2**53 comes back as a bigint.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.strictEqual(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), socket.SOCK_STREAM);
   * ```
   */
  getsockopt(level: number, optname: number): number;
  /**
   * Reads a socket option as raw bytes (at most `buflen`, 1-1024); `buflen` 0 reads an int.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.deepStrictEqual(s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8), new Uint8Array(8)); // off
   * ```
   */
  getsockopt(level: number, optname: number, buflen: number): Uint8Array | number;
  getsockopt(level: number, optname: number, buflen?: number): number | Uint8Array {
    checkArgs("getsockopt", arguments.length, 2, 3);
    const fd = this.#live();
    const lv = toCInt(level);
    const opt = toCInt(optname);
    const size = buflen === undefined ? 0 : toInt(buflen);
    if (this.#family === AF_VSOCK) return vsockGetsockopt(fd, lv, opt, size);
    if (size === 0) return intOptionOrRaise(fd, lv, opt);
    if (size < 0 || size > 1024) throw new OSError("getsockopt buflen out of range");
    const out = new Uint8Array(size);
    lenScratch[0] = size;
    if (libc.getsockopt(fd, lv, opt, out, lenScratchBytes) < 0) {
      throw fromErrno(ffi.errno(), "getsockopt");
    }
    return out.slice(0, Math.min(lenScratch[0], size));
  }

  /**
   * Sets a socket option: an int value, a bytes value, or `(level, optname, null, optlen)`.
   * On an AF_VSOCK socket only an int is taken, passed as 64 bits (CPython's "iiK").
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
   * ```
   */
  setsockopt(level: number, optname: number, value: number | ArrayBufferView): void;
  /**
   * Sets an option with a NULL value of `optlen` bytes (Python's `setsockopt(level,
   * optname, None, optlen)`, as AF_ALG's ALG_SET_AEAD_AUTHSIZE needs).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * // EINVAL: the option wants a value.
   * assert.throws(() => s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, null, 0), socket.OSError);
   * ```
   */
  setsockopt(level: number, optname: number, value: null, optlen: number): void;
  setsockopt(level: number, optname: number, value: unknown, optlen?: number): void {
    if (arguments.length < 3 || arguments.length > 4) {
      throw new TypeError(`setsockopt() takes exactly 3 arguments (${arguments.length} given)`);
    }
    const fd = this.#live();
    const lv = toCInt(level);
    const opt = toCInt(optname);
    let r: number;
    if (this.#family === AF_VSOCK) {
      r = vsockSetsockopt(fd, lv, opt, value, arguments.length);
    } else if (value === null && optlen !== undefined) {
      const len = toInt(optlen);
      if (len < 0 || len > 0xffffffff) throw new RangeError("optlen out of range");
      r = libc.setsockopt(fd, lv, opt, null, len);
    } else if (
      typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
    ) {
      lenScratch[1] = toCInt(value);
      r = libc.setsockopt(fd, lv, opt, lenScratchBytes.subarray(4), 4);
    } else {
      const bytes = toBytes(value);
      r = libc.setsockopt(fd, lv, opt, bytes, bytes.length);
    }
    if (r < 0) throw fromErrno(ffi.errno(), "setsockopt");
  }

  /**
   * The timeout in seconds, or null in blocking mode.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * s.settimeout(1.5);
   * assert.strictEqual(s.gettimeout(), 1.5);
   * ```
   */
  gettimeout(): number | null {
    checkNoArguments("socket.gettimeout", arguments.length);
    return this.#timeout;
  }

  /**
   * Sets the mode: null blocks; 0 is non-blocking; a positive number of seconds is
   * timeout mode.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * s.settimeout(0);
   * assert.strictEqual(s.getblocking(), false);
   * ```
   */
  settimeout(value: number | null): void {
    checkOneArgument("socket.settimeout", arguments.length);
    const t = checkTimeout(value);
    this.#live();
    this.#timeout = t;
    this.#setNonblocking(t !== null);
  }

  /**
   * `setblocking(true)` is settimeout(null); `setblocking(false)` is settimeout(0).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * s.setblocking(false);
   * assert.strictEqual(s.gettimeout(), 0);
   * ```
   */
  setblocking(flag: boolean): void {
    checkOneArgument("socket.setblocking", arguments.length);
    this.settimeout(flag ? null : 0);
  }

  /**
   * True unless the socket is non-blocking (timeout 0), as Python.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.strictEqual(s.getblocking(), true);
   * ```
   */
  getblocking(): boolean {
    checkNoArguments("socket.getblocking", arguments.length);
    this.#live();
    return this.#timeout !== 0;
  }

  /**
   * Shuts down one or both halves: SHUT_RD, SHUT_WR, SHUT_RDWR.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const [a, b] = socket.socketpair();
   * a.shutdown(socket.SHUT_WR);
   * assert.strictEqual(b.recv(10).length, 0);
   * a.close();
   * b.close();
   * ```
   */
  shutdown(how: number): void {
    checkOneArgument("socket.shutdown", arguments.length);
    const fd = this.#live();
    if (libc.shutdown(fd, toCInt(how)) < 0) throw fromErrno(ffi.errno(), "shutdown");
  }

  // ---- descriptor ---------------------------------------------------------------------------

  /**
   * The file descriptor, or -1 once closed or detached.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.ok(s.fileno() >= 0);
   * ```
   */
  fileno(): number {
    checkNoArguments("socket.fileno", arguments.length);
    return this.#fd;
  }

  /**
   * Closes the socket. Idempotent; the descriptor number is never used again by
   * this object. Files from makefile() keep the descriptor open until they close.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * const s = new socket.socket();
   * s.close();
   * assert.strictEqual(s.fileno(), -1);
   * ```
   */
  close(): void {
    checkPositional("socket.close", arguments.length, NO_PARAMS);
    this.#closedByUser = true;
    if (this._io_refs <= 0) this._real_close();
  }

  /**
   * Closes the descriptor now (makefile's files call this when the last one closes).
   *
   * @ignore
   */
  _real_close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    finalizer.unregister(this);
    notifyClose(fd);
    closeFd(fd);
  }

  /**
   * Whether close() was called (for makefile's files).
   *
   * @ignore
   */
  get _closed(): boolean {
    return this.#closedByUser;
  }

  /**
   * Gives up the descriptor without closing it and returns it; the socket is then closed.
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * const s = new socket.socket();
   * const fd = s.detach();
   * socket.close(fd);
   * ```
   */
  detach(): number {
    checkPositional("socket.detach", arguments.length, NO_PARAMS);
    const fd = this.#fd;
    this.#fd = -1;
    this.#closedByUser = true;
    if (fd >= 0) {
      finalizer.unregister(this);
      notifyClose(fd);
    }
    return fd;
  }

  /**
   * A new socket on a duplicate of the descriptor (close-on-exec).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * using d = s.dup();
   * assert.notStrictEqual(d.fileno(), s.fileno());
   * ```
   */
  dup(): socket {
    checkPositional("socket.dup", arguments.length, NO_PARAMS);
    const fd = this.#live();
    const copy = libc.fcntl(fd, S.F_DUPFD_CLOEXEC!, 0);
    if (copy < 0) throw fromErrno(ffi.errno(), "dup");
    try {
      return notifyOpen(copy, new socket(this.#family, this.#type, this.#proto, copy));
    } catch (e) {
      libc.close(copy);
      throw e;
    }
  }

  /**
   * Whether the descriptor is inherited by child processes (not close-on-exec).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.strictEqual(s.get_inheritable(), false);
   * ```
   */
  get_inheritable(): boolean {
    checkPositional("socket.get_inheritable", arguments.length, NO_PARAMS);
    const fd = this.#live();
    const flags = libc.fcntl(fd, S.F_GETFD!, 0);
    if (flags < 0) throw fromErrno(ffi.errno(), "fcntl");
    return (flags & S.FD_CLOEXEC!) === 0;
  }

  /**
   * Sets whether the descriptor is inherited by child processes.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * s.set_inheritable(true);
   * assert.strictEqual(s.get_inheritable(), true);
   * ```
   */
  set_inheritable(inheritable: boolean): void {
    checkPositional("socket.set_inheritable", arguments.length, INHERITABLE_PARAMS);
    const fd = this.#live();
    const flags = libc.fcntl(fd, S.F_GETFD!, 0);
    if (flags < 0) throw fromErrno(ffi.errno(), "fcntl");
    const next = inheritable ? flags & ~S.FD_CLOEXEC! : flags | S.FD_CLOEXEC!;
    if (libc.fcntl(fd, S.F_SETFD!, next) < 0) throw fromErrno(ffi.errno(), "fcntl");
  }

  /**
   * Closes the socket when a `using` block ends.
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * {
   *   using s = new socket.socket();
   * } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- repr ---------------------------------------------------------------------------------

  #repr(): string {
    const fd = this.#fd;
    let text = `<socket.socket${fd < 0 ? " [closed]" : ""} fd=${fd}, family=${
      constName("AF_", this.#family)
    }, type=${constName("SOCK_", this.type)}, proto=${this.#proto}`;
    if (fd >= 0) {
      try {
        const laddr = this.getsockname();
        if (laddr !== "" && laddr !== null) text += `, laddr=${reprAddress(laddr)}`;
      } catch { /* not bound */ }
      try {
        const raddr = this.getpeername();
        if (raddr !== "" && raddr !== null) text += `, raddr=${reprAddress(raddr)}`;
      } catch { /* not connected */ }
    }
    return text + ">";
  }

  /**
   * Python's repr: `<socket.socket fd=3, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=(...)>`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * using s = new socket.socket();
   * assert.strictEqual(
   *   String(s),
   *   `<socket.socket fd=${s.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('0.0.0.0', 0)>`,
   * );
   * ```
   */
  toString(): string {
    return this.#repr();
  }

  /** Deno.inspect / console.log show Python's repr. */
  [denoInspect](): string {
    return this.#repr();
  }

  /** Node's util.inspect / console.log show Python's repr. */
  [nodeInspect](): string {
    return this.#repr();
  }
}

/**
 * One sendfile(2) transfer, shared by socket.sendfile and asyncio's sock_sendfile: the
 * source (a path, opened here and closed by close(), or a descriptor, borrowed), the
 * file offset and what remains to send. Arguments are checked as Python checks them.
 */
export class SendfileJob {
  /** The source descriptor. */
  readonly fileFd: number;
  /** Bytes sent so far. */
  total = 0;
  readonly #owned: boolean;
  readonly #offset: BigInt64Array;
  readonly #count: number | null;

  /** Checks the arguments and opens `file` when it is a path. */
  constructor(file: number | string, offset: number, count: number | null) {
    const start = typeof offset === "bigint" ? offset : toInt(offset);
    if (start < 0) throw new RangeError(`offset must be >= 0, got ${start}`);
    // The kernel's off_t is 64-bit: a larger offset would wrap (2**64 + 4096 is 4096).
    if (start > LONG_MAX) throw new RangeError("Python int too large to convert to C long");
    let limit: number | null = null;
    if (count !== null && count !== undefined) {
      // socket.py's check: an int (bool included), else TypeError with the value's repr.
      if (
        !(typeof count === "number" && Number.isInteger(count)) &&
        typeof count !== "bigint" && typeof count !== "boolean"
      ) {
        throw new TypeError(`count must be a positive integer (got ${reprValue(count)})`);
      }
      if (count <= 0) {
        const shown = (count as unknown) === false ? "False" : count;
        throw new RangeError(`count must be a positive integer (got ${shown})`);
      }
      if (count > LONG_MAX) {
        throw new RangeError("Python int too large to convert to C ssize_t");
      }
      limit = Number(count);
    }
    this.#count = limit;
    this.#offset = new BigInt64Array([BigInt(start)]);
    if (typeof file === "string") {
      const fd = libc.open(cString(file, undefined, true), S.O_RDONLY! | S.O_CLOEXEC!, 0);
      if (fd < 0) throw fromErrno(ffi.errno(), "open", file);
      this.fileFd = fd;
      this.#owned = true;
    } else {
      this.fileFd = toCInt(file);
      this.#owned = false;
    }
  }

  /**
   * Sends to socket descriptor `fd` until done (true) or the socket would block (false);
   * EINTR is retried, other errors raise.
   */
  run(fd: number): boolean {
    if (!HAS_SENDFILE) return this.runBySend(fd);
    for (;;) {
      const want = this.#count === null ? MAX_IO : Math.min(this.#count - this.total, MAX_IO);
      if (want <= 0) return true;
      const r = libc.sendfile(fd, this.fileFd, this.#offset, want);
      if (r > 0) {
        this.total += r;
        continue;
      }
      if (r === 0) return true;
      const errno = ffi.errno();
      if (errno === EAGAIN || errno === EWOULDBLOCK) return false;
      if (errno !== EINTR) throw fromErrno(errno, "sendfile");
    }
  }

  /**
   * {@link SendfileJob.run} without sendfile(2) (macOS's has another signature): reads
   * the file at the job's offset and sends, as Python's fallback does.
   */
  runBySend(fd: number): boolean {
    const buf = sendScratch ??= new Uint8Array(65536);
    for (;;) {
      const want = this.#count === null
        ? buf.length
        : Math.min(this.#count - this.total, buf.length);
      if (want <= 0) return true;
      if (Number(libc.lseek(this.fileFd, this.#offset[0], S.SEEK_SET!)) < 0) {
        throw fromErrno(ffi.errno(), "lseek");
      }
      const n = libc.read(this.fileFd, buf, want);
      if (n === 0) return true;
      if (n < 0) {
        if (ffi.errno() === EINTR) continue;
        throw fromErrno(ffi.errno(), "read");
      }
      const r = libc.send(fd, buf, n, MSG_NOSIGNAL);
      if (r < 0) {
        const errno = ffi.errno();
        if (errno === EAGAIN || errno === EWOULDBLOCK) return false;
        if (errno !== EINTR) throw fromErrno(errno, "send");
        continue;
      }
      this.total += r;
      this.#offset[0] += BigInt(r);
    }
  }

  /** Closes the source if this job opened it. */
  close(): void {
    if (this.#owned) libc.close(this.fileFd);
  }
}

const AF_VSOCK = C.AF_VSOCK ?? -1;
/** The 64-bit option value of AF_VSOCK sockets. */
const u64Scratch = new BigUint64Array(1);
const u64ScratchBytes = new Uint8Array(u64Scratch.buffer);

/**
 * getsockopt on an AF_VSOCK socket, as CPython: the int form reads 64 bits (the
 * SO_VM_SOCKETS_BUFFER_* options are unsigned long long; a 4-byte read is EINVAL), and
 * the raw-bytes form is refused. A value beyond 2**53 comes back as a bigint.
 */
function vsockGetsockopt(fd: number, level: number, opt: number, buflen: number): number {
  if (buflen !== 0) throw new OSError("getsockopt string buffer not allowed");
  u64Scratch[0] = 0n;
  lenScratch[0] = 8;
  if (libc.getsockopt(fd, level, opt, u64ScratchBytes, lenScratchBytes) < 0) {
    throw fromErrno(ffi.errno(), "getsockopt");
  }
  const v = u64Scratch[0];
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v as unknown as number;
}

/**
 * setsockopt on an AF_VSOCK socket, as CPython's "iiK" parse: the value is an int taken
 * modulo 2**64 and passed as 64 bits; bytes and the `(None, optlen)` form are refused.
 */
function vsockSetsockopt(
  fd: number,
  level: number,
  opt: number,
  value: unknown,
  given: number,
): number {
  if (given !== 3) throw new TypeError(`setsockopt() takes exactly 3 arguments (${given} given)`);
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "boolean") v = value ? 1n : 0n;
  else if (typeof value === "number" && Number.isInteger(value)) v = BigInt(value);
  else throw new TypeError(`setsockopt() argument 3 must be int, not ${pyTypeName(value)}`);
  u64Scratch[0] = BigInt.asUintN(64, v);
  return libc.setsockopt(fd, level, opt, u64ScratchBytes, 8);
}

/** The largest C long / ssize_t / off_t. */
const LONG_MAX = 2n ** 63n - 1n;

/** Python's repr of a non-int argument, for sendfile's count message. */
function reprValue(value: unknown): string {
  if (typeof value === "string") return pyRepr(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  return pyTypeName(value) === "NoneType" ? "None" : String(value);
}

/** Python's `socket.SocketType`: the socket class. */
export const SocketType: typeof socket = socket;

if (WINDOWS) installWindowsMethods(socket.prototype);

/** Sets FD_CLOEXEC on `fd` (where socket() and accept() cannot: macOS). */
function closeOnExec(fd: number): void {
  libc.fcntl(fd, S.F_SETFD!, S.FD_CLOEXEC!);
}

/** The family of socket `fd` from getsockname (macOS has no SO_DOMAIN), as CPython. */
function boundFamily(fd: number): number {
  lenScratch[0] = SOCKADDR_MAX;
  if (libc.getsockname(fd, addrScratch, lenScratchBytes) < 0) {
    throw fromErrno(ffi.errno(), "getsockname");
  }
  return familyOf(addrScratch);
}

/**
 * A connected pair of sockets: `socketpair(family = AF_UNIX, type = SOCK_STREAM, proto = 0)`.
 * Both are close-on-exec unless `{ cloexec: false }`. As in Python on Linux, families the
 * kernel cannot pair (AF_INET) raise OSError EOPNOTSUPP.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * const [a, b] = socket.socketpair();
 * a.send(new Uint8Array([42]));
 * assert.strictEqual(b.recv(1)[0], 42);
 * a.close();
 * b.close();
 * ```
 */
export function socketpair(
  family: number | null = null,
  type: number = SOCK_STREAM,
  proto = 0,
  options: SocketOptions = {},
): [socket, socket] {
  if (WINDOWS) return emulatedSocketpair(socket, family, type, proto);
  const fam = family === null ? C.AF_UNIX! : toCInt(family);
  const fds = new Int32Array(2);
  const flags = (options.cloexec ?? true) ? SOCK_CLOEXEC : 0;
  if (libc.socketpair(fam, toCInt(type) | flags, toCInt(proto), fds) < 0) {
    throw fromErrno(ffi.errno(), "socketpair");
  }
  if (SOCK_CLOEXEC === 0 && (options.cloexec ?? true)) { // macOS: no SOCK_CLOEXEC
    closeOnExec(fds[0]);
    closeOnExec(fds[1]);
  }
  let a: socket | undefined;
  try {
    a = notifyOpen(fds[0], new socket(fam, type, proto, fds[0]));
    return [a, notifyOpen(fds[1], new socket(fam, type, proto, fds[1]))];
  } catch (e) {
    if (a) a.close();
    else libc.close(fds[0]);
    libc.close(fds[1]);
    throw e;
  }
}

/**
 * A socket on a duplicate of descriptor `fd` (close-on-exec); family, type and proto
 * default to what the descriptor reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * using s = new socket.socket();
 * using t = socket.fromfd(s.fileno(), socket.AF_INET, socket.SOCK_STREAM);
 * assert.strictEqual(t.family, s.family);
 * ```
 */
export function fromfd(fd: number, family?: number, type?: number, proto = 0): socket {
  if (arguments.length > 4) {
    throw new TypeError(
      `fromfd() takes from 3 to 4 positional arguments but ${arguments.length} were given`,
    );
  }
  const copy = libc.fcntl(toCInt(fd), S.F_DUPFD_CLOEXEC!, 0);
  if (copy < 0) throw fromErrno(ffi.errno(), "dup");
  try {
    return notifyOpen(copy, new socket(family, type, proto, copy));
  } catch (e) {
    libc.close(copy);
    throw e;
  }
}

/**
 * Closes a socket file descriptor (Python's `socket.close(fd)`).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * const s = new socket.socket();
 * socket.close(s.detach());
 * ```
 */
export function close(fd: number): void {
  checkOneArgument("_socket.close", arguments.length);
  const n = toCInt(fd);
  notifyClose(n); // the reactor forgets the descriptor before its number can be reused
  closeFd(n);
}

/**
 * close(2) for both close paths, as CPython's: never retried (the descriptor is gone even
 * on EINTR, and its number may already be reused); ECONNRESET (the peer closed first) is
 * not an error; any other failure, EINTR included, raises (InterruptedError for EINTR).
 */
function closeFd(fd: number): void {
  if (libc.close(fd) < 0) {
    const errno = ffi.errno();
    if (errno !== ECONNRESET) throw fromErrno(errno, "close");
  }
}

/**
 * getsockopt(2) of an int option into the socklen scratch: the value, or undefined on
 * failure (errno set).
 */
function intOption(fd: number, level: number, opt: number): number | undefined {
  lenScratch[0] = 4;
  lenScratch[1] = 0;
  if (libc.getsockopt(fd, level, opt, lenScratchBytes.subarray(4), lenScratchBytes) < 0) {
    return undefined;
  }
  return lenScratch[1] | 0;
}

/** {@link intOption}, raising OSError on failure. */
function intOptionOrRaise(fd: number, level: number, opt: number): number {
  const v = intOption(fd, level, opt);
  if (v === undefined) throw fromErrno(ffi.errno(), "getsockopt");
  return v;
}
