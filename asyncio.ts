/**
 * The non-blocking socket API: Python's asyncio low-level socket functions
 * (`loop.sock_recv`, `loop.sock_sendall`, `loop.sock_accept`, ...) as functions of the
 * socket, returning Promises.
 *
 * The socket must be non-blocking (`sock.setblocking(false)`, timeout 0), as asyncio
 * requires. Each operation runs its system call on the main thread at once; when it
 * would block it waits for readiness in the process's single reactor (one epoll wait
 * on a helper thread for all sockets; see `reactor/mod.ts`) and runs again. Operations
 * in the same direction on one socket complete in the order they were started.
 *
 * Every function takes a last `{ signal }`: an aborted operation rejects with
 * `signal.reason` (as fetch does) and leaves the socket usable. Closing a socket fails
 * its pending operations with OSError EBADF. A program with no operation pending exits.
 *
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_accept, sock_connect, sock_recv, sock_sendall } from "./asyncio.ts";
 *
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * srv.setblocking(false);
 * using cli = new socket.socket();
 * cli.setblocking(false);
 * const [[conn]] = await Promise.all([sock_accept(srv), sock_connect(cli, srv.getsockname())]);
 * await sock_sendall(cli, new TextEncoder().encode("ping"));
 * console.log(new TextDecoder().decode(await sock_recv(conn, 100))); // "ping"
 * conn.close();
 * ```
 *
 * @module
 */
import { MAX_IO } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { BlockingIOError, fromErrno } from "./errors.ts";
import type { Address, SockAddr } from "./address.ts";
import { toBytes, toInt } from "./args.ts";
import { inet_pton } from "./inet.ts";
import type { AncData, RecvmsgResult } from "./message.ts";
import { SendfileJob, type socket } from "./socket.ts";
import { getaddrinfo_async } from "./resolve.ts";
import { AGAIN, type Op, type OpStep, perform, submit } from "./reactor/mod.ts";

export type { Address, Inet6Address, InetAddress, SockAddr } from "./address.ts";
export type { AncData, RecvmsgIntoResult, RecvmsgResult } from "./message.ts";
export type { MakefileOptions, SocketFile } from "./makefile.ts";
export type { socket, SocketOptions } from "./socket.ts";

const C = table.constants;
const E = table.errno;
const EAGAIN = E.EAGAIN!;
const EWOULDBLOCK = E.EWOULDBLOCK ?? EAGAIN;
const EINTR = E.EINTR!;
const EINPROGRESS = E.EINPROGRESS!;
/** Winsock reports a connect in progress as WSAEWOULDBLOCK, not WSAEINPROGRESS. */
const CONNECT_PENDING = table.platform.startsWith("windows") ? EWOULDBLOCK : EINPROGRESS;
const EBADF = E.EBADF!;
const AF_INET = C.AF_INET!;
const AF_INET6 = C.AF_INET6!;
const SOL_SOCKET = C.SOL_SOCKET!;
const SO_ERROR = C.SO_ERROR!;
const SOCK_STREAM = C.SOCK_STREAM!;

/** The options every function takes. */
export interface AsyncOptions {
  /** Cancels the operation: it rejects with `signal.reason`; the socket stays usable. */
  signal?: AbortSignal;
}

/** The descriptor of a non-blocking socket; RangeError for a blocking one. */
function nonblocking(sock: socket): number {
  if (sock.gettimeout() !== 0) throw new RangeError("the socket must be non-blocking");
  const fd = sock.fileno();
  if (fd < 0) throw fromErrno(EBADF);
  return fd;
}

/** The live descriptor at the time of a retry (EBADF once the socket is closed). */
function live(sock: socket, syscall: string): number {
  const fd = sock.fileno();
  if (fd < 0) throw fromErrno(EBADF, syscall);
  return fd;
}

/** Whether `e` is the BlockingIOError of a call that would block (EAGAIN/EWOULDBLOCK). */
function wouldBlock(e: unknown): boolean {
  return e instanceof BlockingIOError && (e.errno === EAGAIN || e.errno === EWOULDBLOCK);
}

/** Calls `fn` and maps BlockingIOError (EAGAIN/EWOULDBLOCK) to AGAIN. */
function again<T>(fn: () => T): T | typeof AGAIN {
  try {
    return fn();
  } catch (e) {
    if (wouldBlock(e)) return AGAIN;
    throw e;
  }
}

/** Runs `fn` (argument checks) and turns a throw into a rejected Promise. */
function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(e);
  }
}

// The hot operations' steps: module-level functions reading their arguments from the
// operation record (see reactor/mod.ts `perform`), so that an operation allocates no
// closure.

/**
 * Runs `step` over the bytes of `data` (argument errors become a rejected Promise, with
 * no closure): a receive fills `op.buf[0, op.n)`, a send counts its progress in `op.n`.
 */
function onBytes<T>(
  sock: socket,
  data: ArrayBufferView,
  writing: boolean,
  syscall: string,
  step: OpStep<T>,
  aux: unknown,
  signal: AbortSignal | undefined,
): Promise<T> {
  let fd: number, bytes: Uint8Array;
  try {
    fd = nonblocking(sock);
    bytes = data instanceof Uint8Array ? data : toBytes(data);
  } catch (e) {
    return Promise.reject(e);
  }
  const n = writing ? 0 : Math.min(bytes.length, MAX_IO);
  return perform(fd, writing, syscall, step, sock, bytes, n, aux, signal);
}

/** Runs receive `step` for up to `bufsize` bytes (with a buffer of that size if `buffer`). */
function sized<T>(
  sock: socket,
  bufsize: number,
  syscall: string,
  step: OpStep<T>,
  buffer: boolean,
  signal: AbortSignal | undefined,
): Promise<T> {
  let fd: number, n: number;
  try {
    fd = nonblocking(sock);
    const size = toInt(bufsize);
    if (size < 0) throw new RangeError(`negative buffersize in ${syscall}`);
    n = Math.min(size, MAX_IO);
  } catch (e) {
    return Promise.reject(e);
  }
  return perform(
    fd,
    false,
    syscall,
    step,
    sock,
    buffer ? new Uint8Array(n) : null,
    n,
    null,
    signal,
  );
}

/** recv(2) into `op.buf[0, op.n)`: the count, or AGAIN. */
function recvIntoStep(op: Op<number>): number | typeof AGAIN {
  const r = (op.sock as socket)._recv_nowait(op.buf!, op.n, 0);
  return r < 0 ? AGAIN : r;
}

/** recv(2) into `op.buf`: a copy of the bytes received, or AGAIN. */
function recvStep(op: Op<Uint8Array>): Uint8Array | typeof AGAIN {
  const r = (op.sock as socket)._recv_nowait(op.buf!, op.n, 0);
  return r < 0 ? AGAIN : op.buf!.slice(0, r);
}

/** send(2) of `op.buf` from offset `op.n` until all is sent, or AGAIN (progress kept). */
function sendallStep(op: Op<undefined>): undefined | typeof AGAIN {
  const bytes = op.buf!;
  const sock = op.sock as socket;
  while (op.n < bytes.length) {
    const r = sock._send_nowait(
      op.n === 0 ? bytes : bytes.subarray(op.n),
      bytes.length - op.n,
      0,
    );
    if (r < 0) return AGAIN;
    op.n += r;
  }
  return undefined;
}

/** A step of a socket call that raises BlockingIOError when it would block. */
function raising<T>(call: (op: Op<T>) => T): OpStep<T> {
  return (op) => {
    try {
      return call(op);
    } catch (e) {
      if (wouldBlock(e)) return AGAIN;
      throw e;
    }
  };
}

/** sendto(2) of `op.buf` to address `op.aux`: the count. */
const sendtoStep = raising<number>((op) => (op.sock as socket).sendto(op.buf!, op.aux as Address));

/** recvfrom(2) into `op.buf` (up to `op.n`): `[count, address]`. */
const recvfromIntoStep = raising<[number, SockAddr | null]>((op) =>
  (op.sock as socket).recvfrom_into(op.buf!, op.n)
);

/** recvfrom(2) of up to `op.n` bytes: `[data, address]`. */
const recvfromStep = raising<[Uint8Array, SockAddr | null]>((op) =>
  (op.sock as socket).recvfrom(op.n)
);

/**
 * Receives up to `nbytes` bytes (asyncio's `loop.sock_recv`); an empty result means the
 * peer closed.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recv } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * b.setblocking(false);
 * setTimeout(() => a.send(new Uint8Array([1, 2])), 10);
 * console.log(await sock_recv(b, 100)); // Uint8Array(2) [1, 2]
 * a.close();
 * b.close();
 * ```
 */
export function sock_recv(
  sock: socket,
  nbytes: number,
  options?: AsyncOptions,
): Promise<Uint8Array> {
  return sized(sock, nbytes, "recv", recvStep, true, options?.signal);
}

/**
 * Receives into `buf` and returns the number of bytes received (asyncio's
 * `loop.sock_recv_into`); 0 means the peer closed.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recv_into } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * b.setblocking(false);
 * a.send(new Uint8Array([1, 2, 3]));
 * const buf = new Uint8Array(16);
 * console.log(await sock_recv_into(b, buf)); // 3
 * a.close();
 * b.close();
 * ```
 */
export function sock_recv_into(
  sock: socket,
  buf: ArrayBufferView,
  options?: AsyncOptions,
): Promise<number> {
  return onBytes(sock, buf, false, "recv", recvIntoStep, null, options?.signal);
}

/**
 * Receives a datagram of up to `bufsize` bytes: `[data, address]` (asyncio's
 * `loop.sock_recvfrom`).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recvfrom } from "./asyncio.ts";
 * using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * r.bind(["127.0.0.1", 0]);
 * r.setblocking(false);
 * using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * s.sendto(new Uint8Array([9]), r.getsockname());
 * const [data, from] = await sock_recvfrom(r, 100);
 * console.log(data, from?.[0]); // Uint8Array(1) [9] "127.0.0.1"
 * ```
 */
export function sock_recvfrom(
  sock: socket,
  bufsize: number,
  options?: AsyncOptions,
): Promise<[Uint8Array, SockAddr | null]> {
  return sized(sock, bufsize, "recvfrom", recvfromStep, false, options?.signal);
}

/**
 * Receives a datagram into `buf` (up to `nbytes`, default its length): `[nbytes,
 * address]` (asyncio's `loop.sock_recvfrom_into`).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recvfrom_into } from "./asyncio.ts";
 * using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * r.bind(["127.0.0.1", 0]);
 * r.setblocking(false);
 * using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * s.sendto(new Uint8Array([1, 2]), r.getsockname());
 * const [n] = await sock_recvfrom_into(r, new Uint8Array(8));
 * console.log(n); // 2
 * ```
 */
export function sock_recvfrom_into(
  sock: socket,
  buf: ArrayBufferView,
  nbytes = 0,
  options?: AsyncOptions,
): Promise<[number, SockAddr | null]> {
  let fd: number, bytes: Uint8Array, n: number;
  try {
    fd = nonblocking(sock);
    bytes = buf instanceof Uint8Array ? buf : toBytes(buf);
    n = toInt(nbytes);
    if (n < 0) throw new RangeError("negative buffersize in recvfrom_into");
    if (n > bytes.length) throw new RangeError("nbytes is greater than the length of the buffer");
  } catch (e) {
    return Promise.reject(e);
  }
  return perform(fd, false, "recvfrom", recvfromIntoStep, sock, bytes, n, null, options?.signal);
}

/**
 * Sends all of `data` (asyncio's `loop.sock_sendall`), waiting for buffer space as
 * needed. On rejection, the number of bytes sent is unknown, as in Python.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recv, sock_sendall } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * await sock_sendall(a, new TextEncoder().encode("all of it"));
 * console.log((await sock_recv(b, 100)).length); // 9
 * a.close();
 * b.close();
 * ```
 */
export function sock_sendall(
  sock: socket,
  data: ArrayBufferView,
  options?: AsyncOptions,
): Promise<void> {
  return onBytes(sock, data, true, "send", sendallStep, null, options?.signal);
}

/**
 * Sends a datagram to `address` and returns the number of bytes sent (asyncio's
 * `loop.sock_sendto`).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_sendto } from "./asyncio.ts";
 * using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * r.bind(["127.0.0.1", 0]);
 * using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * s.setblocking(false);
 * console.log(await sock_sendto(s, new Uint8Array([1, 2]), r.getsockname())); // 2
 * ```
 */
export function sock_sendto(
  sock: socket,
  data: ArrayBufferView,
  address: Address,
  options?: AsyncOptions,
): Promise<number> {
  return onBytes(sock, data, true, "sendto", sendtoStep, address, options?.signal);
}

/** Whether `host` needs a lookup (not a numeric address of `family`). */
function needsLookup(family: number, host: unknown): host is string {
  if (typeof host !== "string" || (family !== AF_INET && family !== AF_INET6)) return false;
  if (host === "" || host === "<broadcast>") return false;
  const text = family === AF_INET6 ? host.split("%")[0] : host;
  if (text.includes("\0")) return false; // let connect() report it
  try {
    inet_pton(family, text);
    return false;
  } catch {
    return true;
  }
}

/**
 * Connects to `address` (asyncio's `loop.sock_connect`); a host name is resolved first
 * with the asynchronous getaddrinfo, and the first address of the socket's family used.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_connect } from "./asyncio.ts";
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * using s = new socket.socket();
 * s.setblocking(false);
 * await sock_connect(s, ["localhost", (srv.getsockname() as [string, number])[1]]);
 * console.log(s.getpeername()[0]); // "127.0.0.1"
 * ```
 */
export function sock_connect(
  sock: socket,
  address: Address,
  options?: AsyncOptions,
): Promise<void> {
  return guarded(() => {
    nonblocking(sock);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (Array.isArray(address) && needsLookup(sock.family, address[0])) {
      return getaddrinfo_async(address[0], address[1] as number, sock.family, sock.type, sock.proto)
        .then((infos) => {
          signal?.throwIfAborted();
          return connectNow(sock, infos[0][4] as Address, signal);
        });
    }
    return connectNow(sock, address, signal);
  });
}

function connectNow(sock: socket, address: Address, signal?: AbortSignal): Promise<void> {
  const fd = nonblocking(sock);
  const err = sock.connect_ex(address);
  if (err === 0) return Promise.resolve();
  if (err !== EINPROGRESS && err !== CONNECT_PENDING && err !== EINTR) {
    return Promise.reject(fromErrno(err, "connect"));
  }
  let first = true;
  return submit(
    fd,
    true,
    "connect",
    () => {
      if (first) { // the connect is in progress: wait for writability first
        first = false;
        return AGAIN;
      }
      const so = sock.getsockopt(SOL_SOCKET, SO_ERROR);
      if (so === EINPROGRESS) return AGAIN;
      if (so !== 0) throw fromErrno(so, "connect");
      return undefined;
    },
    signal,
    sock,
  );
}

/**
 * Accepts a connection: `[conn, address]` (asyncio's `loop.sock_accept`). `conn` is
 * non-blocking, ready for these functions.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_accept } from "./asyncio.ts";
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * srv.setblocking(false);
 * using cli = socket.create_connection(srv.getsockname() as [string, number]);
 * const [conn, addr] = await sock_accept(srv);
 * console.log(conn.getblocking(), addr[0]); // false "127.0.0.1"
 * conn.close();
 * ```
 */
export function sock_accept(sock: socket, options?: AsyncOptions): Promise<[socket, SockAddr]> {
  return guarded(() => {
    const fd = nonblocking(sock);
    return submit(
      fd,
      false,
      "accept",
      () => {
        const r = again(() => sock.accept());
        if (r === AGAIN) return AGAIN;
        r[0].setblocking(false);
        return r;
      },
      options?.signal,
      sock,
    );
  });
}

/**
 * Sends a file with sendfile(2) (asyncio's `loop.sock_sendfile`): `file` is an open
 * descriptor or a path; sends `count` bytes (default: to the end) from `offset` and
 * returns the number sent. The file's own position is not moved.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recv, sock_sendfile } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "file body");
 * console.log(await sock_sendfile(a, path)); // 9
 * console.log((await sock_recv(b, 100)).length); // 9
 * a.close();
 * b.close();
 * ```
 */
export function sock_sendfile(
  sock: socket,
  file: number | string,
  offset = 0,
  count: number | null = null,
  options?: AsyncOptions,
): Promise<number> {
  return guarded(() => {
    const fd = nonblocking(sock);
    if (sock.type !== SOCK_STREAM) {
      throw new RangeError("only SOCK_STREAM type sockets are supported");
    }
    const job = new SendfileJob(file, offset, count);
    const done = submit(
      fd,
      true,
      "sendfile",
      () => {
        return job.run(live(sock, "sendfile")) ? job.total : AGAIN;
      },
      options?.signal,
      sock,
    );
    return done.finally(() => job.close());
  });
}

/**
 * Receives a message with ancillary data (file descriptors: SCM_RIGHTS):
 * `[data, ancdata, msg_flags, address]`, as the socket's `recvmsg`.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recvmsg } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * b.setblocking(false);
 * a.sendmsg([new Uint8Array([5])]);
 * const [data, anc, flags] = await sock_recvmsg(b, 10);
 * console.log(data, anc.length, flags); // Uint8Array(1) [5] 0 0
 * a.close();
 * b.close();
 * ```
 */
export function sock_recvmsg(
  sock: socket,
  bufsize: number,
  ancbufsize = 0,
  flags = 0,
  options?: AsyncOptions,
): Promise<RecvmsgResult> {
  return guarded(() => {
    const fd = nonblocking(sock);
    return submit(
      fd,
      false,
      "recvmsg",
      () => again(() => sock.recvmsg(bufsize, ancbufsize, flags)),
      options?.signal,
      sock,
    );
  });
}

/**
 * Sends `buffers` with ancillary data items `[level, type, data]` (file descriptors:
 * SCM_RIGHTS), optionally to `address`; returns the number of bytes sent, as the
 * socket's `sendmsg`.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_recvmsg, sock_sendmsg } from "./asyncio.ts";
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * await sock_sendmsg(a, [new Uint8Array([1]), new Uint8Array([2])]);
 * console.log((await sock_recvmsg(b, 10))[0]); // Uint8Array(2) [1, 2]
 * a.close();
 * b.close();
 * ```
 */
export function sock_sendmsg(
  sock: socket,
  buffers: Iterable<ArrayBufferView>,
  ancdata: Iterable<AncData | readonly unknown[]> = [],
  flags = 0,
  address: Address | null = null,
  options?: AsyncOptions,
): Promise<number> {
  return guarded(() => {
    const fd = nonblocking(sock);
    const bufs = [...buffers];
    const anc = [...ancdata];
    return submit(
      fd,
      true,
      "sendmsg",
      () => again(() => sock.sendmsg(bufs, anc, flags, address)),
      options?.signal,
      sock,
    );
  });
}
