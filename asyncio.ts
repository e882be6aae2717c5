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
 * its pending operations with OSError EBADF; so does another socket starting an operation
 * on its descriptor number (closed behind the module's back and reused). A program with
 * no operation pending exits.
 *
 * Buffers: an operation's byte count is fixed at the call (the view's length, or
 * `nbytes`), and each attempt uses the buffer as it is then. If it was resized below that
 * count or detached (`transfer()`, `structuredClone(..., { transfer })`) while the
 * operation waited, the operation rejects with RangeError before any system call: nothing
 * is written into it, and the data stays in the socket for the next receive; a send's
 * error says how much was sent (`bytes_sent`: sendall's progress, else 0). A
 * SharedArrayBuffer view is used the same way and is always safe: its memory never moves
 * nor shrinks (another thread may grow a growable one, which does not widen the call, and
 * may touch the bytes while the kernel fills them: such races are the program's).
 *
 * Attempts never block: receives and sends pass MSG_DONTWAIT and never wait in timeout
 * mode, so operations pending when the socket is switched to blocking or timeout mode
 * still complete without blocking the process. accept and sendfile, which have no such
 * flag, reject with RangeError if the descriptor became blocking.
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
import { libc, MAX_IO } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { fromErrno } from "./errors.ts";
import type { Address, AddressInputOf, AddressOf, SockAddr } from "./address.ts";
import { toBytes, toInt } from "./args.ts";
import { inet_pton } from "./inet.ts";
import {
  type AncData,
  type MessageSocket,
  recvmsg as recvmsgOn,
  type RecvmsgResult,
  sendmsg as sendmsgOn,
} from "./message.ts";
import { SendfileJob, type socket } from "./socket.ts";
import { getaddrinfo_async } from "./resolve.ts";
import { AGAIN, markUring, type Op, type OpStep, perform, submit } from "./reactor/mod.ts";
import { bufferGone } from "./reactor/op.ts";
import { RECV, RECV_INTO, SENDALL } from "./reactor/uring.ts";

export type { Address, Inet6Address, InetAddress, SockAddr } from "./address.ts";
export type { AncData, RecvmsgIntoResult, RecvmsgResult } from "./message.ts";
export type { MakefileOptions, SocketFile } from "./makefile.ts";
export type { socket, SocketOptions } from "./socket.ts";

const C = table.constants;
const S = table.sys;
const E = table.errno;
const EINTR = E.EINTR!;
const EINPROGRESS = E.EINPROGRESS!;
const EWOULDBLOCK = E.EWOULDBLOCK ?? E.EAGAIN!;
/** Winsock reports a connect in progress as WSAEWOULDBLOCK, not WSAEINPROGRESS. */
const CONNECT_PENDING = table.platform.startsWith("windows") ? EWOULDBLOCK : EINPROGRESS;
const EBADF = E.EBADF!;
const AF_INET = C.AF_INET!;
const AF_INET6 = C.AF_INET6!;
const SOL_SOCKET = C.SOL_SOCKET!;
const SO_ERROR = C.SO_ERROR!;
const SOCK_STREAM = C.SOCK_STREAM!;
const F_GETFL = S.F_GETFL!;
const O_NONBLOCK = S.O_NONBLOCK!;

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

/**
 * The live descriptor, for a call that has no MSG_DONTWAIT (accept, sendfile): RangeError
 * if it became blocking while the operation was pending (setblocking(true), or a change
 * behind the socket's back), since the call would then block the whole process.
 */
function neverBlocking(sock: socket, syscall: string): number {
  const fd = live(sock, syscall);
  const flags = libc.fcntl(fd, F_GETFL, 0);
  if (flags >= 0 && (flags & O_NONBLOCK) === 0) {
    throw new RangeError(`${syscall}(): the socket must be non-blocking`);
  }
  return fd;
}

/** Whether `data` is a SharedArrayBuffer (absent where cross-origin isolation is off). */
function isShared(data: unknown): data is SharedArrayBuffer {
  return typeof SharedArrayBuffer === "function" && data instanceof SharedArrayBuffer;
}

/**
 * `sock`'s message calls as one attempt each (message.ts's sendmsg/recvmsg over them):
 * never blocking nor waiting, whatever the socket's mode; -1 when it would block.
 */
function nowaitMessages(sock: socket): MessageSocket {
  return {
    _sendmsg: (msghdr, flags) => sock._sendmsg_nowait(msghdr, flags),
    _recvmsg: (msghdr, flags) => sock._recvmsg_nowait(msghdr, flags),
    _encodeAddress: (address, fn) => sock._encodeAddress(address, fn),
  };
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
 * no closure). `op.n` is the view's byte count at the call (or `nbytes` when given): each
 * attempt checks that the view still holds it (see {@link bufferGone}), since the buffer
 * may be resized or detached while the operation waits. A send counts its progress in
 * `op.done`.
 */
function onBytes<T>(
  sock: socket,
  data: ArrayBufferView,
  writing: boolean,
  syscall: string,
  step: OpStep<T>,
  aux: unknown,
  signal: AbortSignal | undefined,
  nbytes = 0,
): Promise<T> {
  let fd: number, bytes: Uint8Array, n: number;
  try {
    fd = nonblocking(sock);
    bytes = data instanceof Uint8Array ? data : toBytes(data);
    n = bytes.length;
    if (nbytes !== 0) {
      const k = toInt(nbytes);
      if (k < 0) throw new RangeError(`negative buffersize in ${syscall}_into`);
      if (k > n) throw new RangeError("nbytes is greater than the length of the buffer");
      if (k !== 0) n = k;
    }
  } catch (e) {
    return Promise.reject(e);
  }
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
  const buf = op.buf!;
  if (buf.length < op.n) throw bufferGone(buf, op.n, "recv_into");
  const r = (op.sock as socket)._recv_nowait(buf, op.n, 0);
  return r < 0 ? AGAIN : r;
}

/** recv(2) into `op.buf`: a copy of the bytes received, or AGAIN. */
function recvStep(op: Op<Uint8Array>): Uint8Array | typeof AGAIN {
  const r = (op.sock as socket)._recv_nowait(op.buf!, op.n, 0);
  return r < 0 ? AGAIN : op.buf!.slice(0, r);
}

/** send(2) of `op.buf[op.done, op.n)` until all is sent, or AGAIN (progress kept). */
function sendallStep(op: Op<undefined>): undefined | typeof AGAIN {
  const bytes = op.buf!;
  const total = op.n;
  if (bytes.length < total) throw bufferGone(bytes, total, "sendall", op.done);
  const sock = op.sock as socket;
  while (op.done < total) {
    const r = sock._send_nowait(
      op.done === 0 ? bytes : bytes.subarray(op.done),
      total - op.done,
      0,
    );
    if (r < 0) return AGAIN;
    op.done += r;
  }
  return undefined;
}

// With io_uring chosen (reactor/uring.ts), these three run there instead.
markUring(recvIntoStep, RECV_INTO);
markUring(recvStep, RECV);
markUring(sendallStep, SENDALL);

/** sendto(2) of `op.buf[0, op.n)` to address `op.aux`: the count, or AGAIN. */
function sendtoStep(op: Op<number>): number | typeof AGAIN {
  const buf = op.buf!;
  if (buf.length < op.n) throw bufferGone(buf, op.n, "sendto", 0);
  const r = (op.sock as socket)._sendto_nowait(buf, op.n, op.aux);
  return r < 0 ? AGAIN : r;
}

/** recvfrom(2) into `op.buf[0, op.n)`: `[count, address]`, or AGAIN. */
function recvfromIntoStep(op: Op<[number, SockAddr | null]>) {
  const buf = op.buf!;
  if (buf.length < op.n) throw bufferGone(buf, op.n, "recvfrom_into");
  return (op.sock as socket)._recvfrom_into_nowait(buf, op.n) ?? AGAIN;
}

/** recvfrom(2) of up to `op.n` bytes: `[data, address]`, or AGAIN. */
function recvfromStep(op: Op<[Uint8Array, SockAddr | null]>) {
  return (op.sock as socket)._recvfrom_nowait(op.n) ?? AGAIN;
}

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
export function sock_recvfrom<F extends number>(
  sock: socket<F>,
  bufsize: number,
  options?: AsyncOptions,
): Promise<[Uint8Array, AddressOf<F> | null]>;
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
export function sock_recvfrom_into<F extends number>(
  sock: socket<F>,
  buf: ArrayBufferView,
  nbytes?: number,
  options?: AsyncOptions,
): Promise<[number, AddressOf<F> | null]>;
export function sock_recvfrom_into(
  sock: socket,
  buf: ArrayBufferView,
  nbytes = 0,
  options?: AsyncOptions,
): Promise<[number, SockAddr | null]> {
  return onBytes(sock, buf, false, "recvfrom", recvfromIntoStep, null, options?.signal, nbytes);
}

/**
 * Sends all of `data` (asyncio's `loop.sock_sendall`), waiting for buffer space as
 * needed. On rejection, the number of bytes sent is unknown, as in Python, except when
 * `data` was resized or detached while the call was pending: RangeError, with the count
 * sent in its `bytes_sent`.
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
export function sock_sendto<F extends number>(
  sock: socket<F>,
  data: ArrayBufferView,
  address: AddressInputOf<F>,
  options?: AsyncOptions,
): Promise<number>;
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
 * await sock_connect(s, ["localhost", srv.getsockname()[1]]);
 * console.log(s.getpeername()[0]); // "127.0.0.1"
 * ```
 */
export function sock_connect<F extends number>(
  sock: socket<F>,
  address: AddressInputOf<F>,
  options?: AsyncOptions,
): Promise<void>;
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
  nonblocking(sock); // after a lookup, the socket may have been made blocking meanwhile
  const fd = neverBlocking(sock, "connect");
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
 * using cli = socket.create_connection(srv.getsockname());
 * const [conn, addr] = await sock_accept(srv);
 * console.log(conn.getblocking(), addr[0]); // false "127.0.0.1"
 * conn.close();
 * ```
 */
export function sock_accept<F extends number>(
  sock: socket<F>,
  options?: AsyncOptions,
): Promise<[socket<F>, AddressOf<F>]>;
export function sock_accept(sock: socket, options?: AsyncOptions): Promise<[socket, SockAddr]> {
  return guarded(() => {
    const fd = nonblocking(sock);
    return submit(
      fd,
      false,
      "accept",
      () => {
        neverBlocking(sock, "accept");
        const r = sock._accept_nowait();
        if (r === null) return AGAIN;
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
      () => job.run(neverBlocking(sock, "sendfile")) ? job.total : AGAIN,
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
      () => recvmsgOn(nowaitMessages(sock), bufsize, ancbufsize, flags) ?? AGAIN,
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
    // Each buffer is sent through a fixed-length view of the bytes it had at the call
    // (a length-tracking one would follow a resize); each attempt checks it still has them.
    const held: Uint8Array[] = [];
    const counts: number[] = [];
    const fixed = (data: unknown): unknown => {
      if (!ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer) && !isShared(data)) {
        return data; // message.ts raises Python's TypeError
      }
      const bytes = toBytes(data);
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      held.push(view);
      counts.push(view.length);
      return view;
    };
    const bufs = [...buffers].map(fixed) as ArrayBufferView[];
    const anc = [...ancdata].map((item) =>
      Array.isArray(item) && item.length === 3 ? [item[0], item[1], fixed(item[2])] : item
    );
    const io = nowaitMessages(sock);
    return submit(
      fd,
      true,
      "sendmsg",
      () => {
        for (let i = 0; i < held.length; i++) {
          if (held[i].length < counts[i]) throw bufferGone(held[i], counts[i], "sendmsg", 0);
        }
        const r = sendmsgOn(io, bufs, anc as AncData[], flags, address);
        return r < 0 ? AGAIN : r;
      },
      options?.signal,
      sock,
    );
  });
}
