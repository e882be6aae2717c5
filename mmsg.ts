/**
 * Batched datagrams: `recvmmsg(2)` and `sendmmsg(2)`, many datagrams per system call.
 *
 * **An extension: Python's socket module has neither.** Linux only (the functions throw
 * OSError ENOSYS where the C library lacks them). A {@link MessageBatch} holds the C
 * arrays (`struct mmsghdr[]`, `struct iovec[]`, one `sockaddr_storage` per slot) and
 * one data buffer cut into equal slots, all built once; a call then only sets lengths
 * and makes the one system call, so a receive loop allocates nothing but what it asks
 * for (a slot's view is `batch.slots[i]`, made once; `batch.address(i)` reuses the
 * previous tuple while the IPv4 peer stays the same).
 *
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { MessageBatch, recvmmsg, sendmmsg } from "./mmsg.ts";
 *
 * using rx = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * rx.bind(["127.0.0.1", 0]);
 * using tx = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
 * tx.connect(rx.getsockname());
 * const out = new MessageBatch(4, 16);
 * for (let i = 0; i < 4; i++) {
 *   out.slots[i].fill(i);
 *   out.setLength(i, i + 1); // datagram i is i + 1 bytes
 * }
 * assert.strictEqual(sendmmsg(tx, out), 4); // one system call, four datagrams
 * const batch = new MessageBatch(8, 16);
 * const n = recvmmsg(rx, batch); // waits for one, takes what is queued (up to 8)
 * assert.ok(n >= 1);
 * assert.strictEqual(batch.nbytes(0), 1);
 * assert.deepStrictEqual(batch.address(0), tx.getsockname());
 * ```
 *
 * @module
 */
import { table } from "./constants/mod.ts";
import { ffi, libc, MAX_IO } from "./ffi/mod.ts";
import { type Address, encodeAddress, type SockAddr } from "./address.ts";
import { decodeAddress, SOCKADDR_MAX } from "./sockaddr.ts";
import { toCInt, toInt } from "./args.ts";
import { fromErrno } from "./errors.ts";
import { netPermissionHook } from "./permissions.ts";
import type { socket } from "./socket.ts";
import { AGAIN, type Op, perform } from "./reactor/mod.ts";
import type { AsyncOptions } from "./asyncio.ts";

const E = table.errno;
const L = table.layouts;
const LM = L.msghdr;
const LI = L.iovec;
const PTR = table.sys.SIZEOF_POINTER!;
const EBADF = E.EBADF!;
const ENOSYS = E.ENOSYS!;
const MSG_NOSIGNAL = table.constants.MSG_NOSIGNAL ?? 0;
/**
 * Linux's MSG_WAITFORONE (<linux/socket.h>): recvmmsg returns once one datagram is in
 * rather than waiting to fill every slot. Python has no such name, so the generated
 * table has no entry; the value is the kernel's, the same on every architecture.
 */
const MSG_WAITFORONE = 0x10000;
/**
 * The most slots a batch may have: the kernel caps a call's count at UIO_MAXIOV (it
 * clamps silently; MessageBatch refuses more).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MMSG_MAX } from "./mmsg.ts";
 * assert.strictEqual(MMSG_MAX, 1024); // Linux
 * ```
 */
export const MMSG_MAX: number = table.sys.UIO_MAXIOV ?? 1024;

/**
 * `struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }`: the generated
 * tables have no entry for it (the generator is shared work), so it is laid out here
 * from msghdr's: msg_len right after msg_hdr, the whole padded to msghdr's alignment
 * (64 bytes, msg_len at 56, on 64-bit Linux glibc and musl alike).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MMSGHDR } from "./mmsg.ts";
 * assert.deepStrictEqual(MMSGHDR, { size: 64, msg_len: 56 }); // 64-bit Linux
 * ```
 */
export const MMSGHDR: { readonly size: number; readonly msg_len: number } = LM === undefined
  // Windows: no msghdr (Winsock's layouts), no batch calls: MessageBatch raises ENOSYS.
  ? { size: 0, msg_len: 0 }
  : {
    size: Math.ceil((LM.size + 4) / LM.align) * LM.align,
    msg_len: LM.size,
  };

const hasMmsg = typeof (libc as { recvmmsg?: unknown }).recvmmsg === "function";

function setPointer(dv: DataView, offset: number, address: bigint): void {
  if (PTR === 8) dv.setBigUint64(offset, address, true);
  else dv.setUint32(offset, Number(address), true);
}

/** Writes a size_t/socklen_t-like field whose high bytes (if any) stay zero. */
function setSize(dv: DataView, offset: number, size: number, value: number): void {
  if (size === 8) dv.setBigUint64(offset, BigInt(value), true);
  else dv.setUint32(offset, value, true);
}

function index(batch: MessageBatch, i: number): number {
  const k = toInt(i);
  if (k < 0 || k >= batch.count) throw new RangeError("batch index out of range");
  return k;
}

/**
 * The C arrays of a batch of datagrams and the data buffer they point into, built
 * once and reused by every {@link recvmmsg} / {@link sendmmsg} call (and their async
 * forms). Slot `i` is bytes `[i * size, (i + 1) * size)` of `buffer`. An extension to
 * Python's socket module (which has no recvmmsg/sendmmsg). One operation at a time
 * per batch: a call overwrites the previous results.
 *
 * After a receive: {@link nbytes}, {@link address} and {@link flags} describe each of
 * the datagrams received. Before a send: {@link setLength} and, on an unconnected
 * socket, {@link setAddress} describe each slot to send. A receive leaves each received
 * slot's length and sender in place, so an echo is `recvmmsg`, then `setLength(i,
 * nbytes(i))` for each, then `sendmmsg` back to the senders.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MessageBatch } from "./mmsg.ts";
 * const batch = new MessageBatch(64, 2048); // 64 datagrams of up to 2 KiB each
 * assert.strictEqual(batch.buffer.length, 64 * 2048);
 * assert.strictEqual(batch.slots[1].byteOffset, 2048);
 * ```
 */
export class MessageBatch {
  /** The number of slots (the most datagrams one call moves). */
  readonly count: number;
  /** The bytes of each slot (the largest datagram a slot holds). */
  readonly size: number;
  /** The data: `count * size` bytes (the given buffer's first bytes, or a new buffer). */
  readonly buffer: Uint8Array;
  /** The views of the slots, made once: `slots[i]` is slot `i`'s whole `size` bytes. */
  readonly slots: readonly Uint8Array[];
  /** The mmsghdr array, then the iovec array, then the sockaddr slots: one allocation. */
  #c: Uint8Array;
  #dv: DataView;
  #names: Uint8Array[];
  /** iov_len differs from `size` in some slot (set by setLength). */
  #lengthsSet = false;
  /**
   * The flags of the pending async operation (read by its step).
   *
   * @ignore
   */
  _flags = 0;

  /**
   * `new MessageBatch(count, size, buffer?)`: `count` slots (1 to {@link MMSG_MAX}) of
   * `size` bytes (at least 1) each, in `buffer` (any fixed-length ArrayBufferView of at
   * least `count * size` bytes) or in a new buffer.
   */
  constructor(count: number, size: number, buffer?: ArrayBufferView) {
    if (LM === undefined) throw fromErrno(ENOSYS, "recvmmsg");
    const n = toInt(count);
    const s = toInt(size);
    if (n < 1 || n > MMSG_MAX) throw new RangeError(`batch count must be 1 to ${MMSG_MAX}`);
    if (s < 1 || s > MAX_IO) throw new RangeError(`batch slot size must be 1 to ${MAX_IO}`);
    const total = n * s;
    if (!Number.isSafeInteger(total) || total > 0x7fffffff) {
      throw new RangeError("batch too large: count * size must be at most 2**31 - 1");
    }
    let data: Uint8Array;
    if (buffer === undefined) {
      data = new Uint8Array(new ArrayBuffer(total));
    } else {
      if (!ArrayBuffer.isView(buffer)) {
        throw new TypeError("MessageBatch() argument 3 must be an ArrayBufferView");
      }
      const ab = buffer.buffer as ArrayBuffer & { resizable?: boolean; growable?: boolean };
      // The slots' C addresses are taken once: a buffer that can shrink or move is refused.
      if (ab.resizable || ab.growable) {
        throw new TypeError("MessageBatch() needs a fixed-length buffer, not a resizable one");
      }
      if (buffer.byteLength < total) {
        throw new RangeError(
          `MessageBatch() buffer too small: ${buffer.byteLength} bytes < ${n} * ${s}`,
        );
      }
      data = new Uint8Array(buffer.buffer, buffer.byteOffset, total);
    }
    this.count = n;
    this.size = s;
    this.buffer = data;
    this.slots = Object.freeze(
      Array.from({ length: n }, (_, i) => data.subarray(i * s, i * s + s)),
    );

    const iovAt = n * MMSGHDR.size;
    const namesAt = iovAt + n * LI.size;
    this.#c = new Uint8Array(new ArrayBuffer(namesAt + n * SOCKADDR_MAX));
    this.#dv = new DataView(this.#c.buffer);
    this.#names = Array.from(
      { length: n },
      (_, i) => this.#c.subarray(namesAt + i * SOCKADDR_MAX, namesAt + (i + 1) * SOCKADDR_MAX),
    );
    const dv = this.#dv;
    const base = ffi.addressOf(this.#c);
    const dataBase = ffi.addressOf(data);
    for (let i = 0; i < n; i++) {
      const m = i * MMSGHDR.size;
      const iov = iovAt + i * LI.size;
      setPointer(dv, iov + LI.iov_base, dataBase + BigInt(i * s));
      setSize(dv, iov + LI.iov_len, LI["iov_len$size"] ?? PTR, s);
      setPointer(dv, m + LM.msg_name, base + BigInt(namesAt + i * SOCKADDR_MAX));
      setPointer(dv, m + LM.msg_iov, base + BigInt(iov));
      setSize(dv, m + LM.msg_iovlen, LM["msg_iovlen$size"] ?? PTR, 1);
    }
  }

  /**
   * The byte count of datagram `i` of the last call: received (at most `size`; see
   * MSG_TRUNC in {@link flags}) or sent.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { MessageBatch } from "./mmsg.ts";
   * assert.strictEqual(new MessageBatch(2, 8).nbytes(0), 0); // nothing moved yet
   * ```
   */
  nbytes(i: number): number {
    return this.#dv.getUint32(index(this, i) * MMSGHDR.size + MMSGHDR.msg_len, true);
  }

  /**
   * The bytes of datagram `i` of the last receive: a view of its slot (no copy).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { MessageBatch } from "./mmsg.ts";
   * assert.strictEqual(new MessageBatch(2, 8).data(1).length, 0);
   * ```
   */
  data(i: number): Uint8Array {
    return this.slots[index(this, i)].subarray(0, this.nbytes(i));
  }

  /**
   * The msg_flags the kernel returned for datagram `i` of the last receive (MSG_TRUNC:
   * the datagram was longer than a slot and was cut).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { MessageBatch } from "./mmsg.ts";
   * assert.strictEqual(new MessageBatch(1, 8).flags(0), 0);
   * ```
   */
  flags(i: number): number {
    return this.#dv.getInt32(index(this, i) * MMSGHDR.size + LM.msg_flags, true);
  }

  /**
   * The address of slot `i`: the sender of datagram `i` after a receive (null when the
   * kernel gave none), or the destination set by {@link setAddress}.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import * as socket from "./mod.ts";
   * import { MessageBatch } from "./mmsg.ts";
   * const batch = new MessageBatch(1, 8);
   * assert.strictEqual(batch.address(0), null);
   * batch.setAddress(0, ["127.0.0.1", 9], socket.AF_INET);
   * assert.deepStrictEqual(batch.address(0), ["127.0.0.1", 9]);
   * ```
   */
  address(i: number): SockAddr | null {
    const k = index(this, i);
    const length = this.#dv.getUint32(k * MMSGHDR.size + LM.msg_namelen, true);
    if (length === 0) return null;
    return decodeAddress(this.#names[k], Math.min(length, SOCKADDR_MAX));
  }

  /**
   * Sets the byte count of slot `i` for the next send (0 to `size`).
   *
   * @example
   * ```ts
   * import { MessageBatch } from "./mmsg.ts";
   * const batch = new MessageBatch(2, 8);
   * batch.slots[0].set([1, 2, 3]);
   * batch.setLength(0, 3);
   * ```
   */
  setLength(i: number, nbytes: number): void {
    const k = index(this, i);
    const n = toInt(nbytes);
    if (n < 0 || n > this.size) throw new RangeError(`length must be 0 to ${this.size}`);
    // The low word only: the high bytes of a 64-bit iov_len stay zero (n < 2**32), and
    // every supported platform is little-endian. No BigInt on this path.
    this.#dv.setUint32(this.count * MMSGHDR.size + k * LI.size + LI.iov_len, n, true);
    this.#lengthsSet = true;
  }

  /**
   * Sets the destination of slot `i` for the next send: an address of `family` (as
   * sendto takes it), or null for none (a connected socket's peer). Checked against the
   * net permissions when they are on (see permissions.ts).
   *
   * @example
   * ```ts
   * import * as socket from "./mod.ts";
   * import { MessageBatch } from "./mmsg.ts";
   * const batch = new MessageBatch(2, 8);
   * batch.setAddress(0, ["127.0.0.1", 9999], socket.AF_INET);
   * batch.setAddress(1, null, socket.AF_INET);
   * ```
   */
  setAddress(i: number, address: Address | null, family: number): void {
    const k = index(this, i);
    const at = k * MMSGHDR.size + LM.msg_namelen;
    this.#dv.setUint32(at, 0, true);
    if (address === null) return;
    const fam = toInt(family);
    const length = encodeAddress(fam, address, this.#names[k], "sendmmsg");
    if (netPermissionHook !== null) {
      netPermissionHook(fam, this.#names[k], length, address, "sendmmsg");
    }
    this.#dv.setUint32(at, length, true);
  }

  /**
   * TypeError once the buffer is detached (it then reads as length 0): the C addresses
   * in the iovecs would dangle.
   *
   * @ignore
   */
  _alive(): void {
    if (this.buffer.byteLength !== this.count * this.size) {
      throw new TypeError("the batch's buffer was detached");
    }
  }

  /**
   * The count a call may move from slot `start` on (default: to the last slot), both
   * checked against the batch (RangeError past it); `start` is kept for {@link _attempt}.
   *
   * @ignore
   */
  _checked(count: number | undefined, start: number): number {
    this._alive();
    const s = toInt(start);
    if (s < 0 || s > this.count) throw new RangeError(`start must be 0 to ${this.count}`);
    const n = count === undefined ? this.count - s : toInt(count);
    if (n < 0 || n > this.count - s) throw new RangeError(`count must be 0 to ${this.count - s}`);
    this._start = s;
    return n;
  }

  /**
   * Checks every destination of the `count` slots from `_start` against the net
   * permissions (when they are on): also those a receive left, or set before the checks
   * were turned on.
   *
   * @ignore
   */
  _checkDestinations(family: number, count: number): void {
    if (netPermissionHook === null) return;
    for (let i = this._start; i < this._start + count; i++) {
      const length = this.#dv.getUint32(i * MMSGHDR.size + LM.msg_namelen, true);
      if (length > 0) netPermissionHook(family, this.#names[i], length, null, "sendmmsg");
    }
  }

  /**
   * The first slot of the pending call (set by {@link _checked}).
   *
   * @ignore
   */
  _start = 0;

  /**
   * One recvmmsg/sendmmsg attempt on `fd` over `count` slots from `_start`: the count
   * of datagrams, or -1 with errno set.
   *
   * @ignore
   */
  _attempt(fd: number, count: number, flags: number, writing: boolean): number {
    const dv = this.#dv;
    const first = this._start;
    // A view from the first slot's mmsghdr (made only when the call does not start at 0).
    const vec = first === 0 ? this.#c : this.#c.subarray(first * MMSGHDR.size);
    if (writing) return libc.sendmmsg(fd, vec, count, flags | MSG_NOSIGNAL);
    if (this.#lengthsSet) {
      const iovLen = this.count * MMSGHDR.size + LI.iov_len;
      for (let i = 0; i < this.count; i++) dv.setUint32(iovLen + i * LI.size, this.size, true);
      this.#lengthsSet = false;
    }
    const end = first + count;
    for (let i = first; i < end; i++) {
      dv.setUint32(i * MMSGHDR.size + LM.msg_namelen, SOCKADDR_MAX, true);
    }
    const r = libc.recvmmsg(fd, vec, count, flags | MSG_WAITFORONE, null);
    // Slots the kernel did not fill keep no stale sender for a later send.
    for (let i = r < 0 ? first : first + r; i < end; i++) {
      dv.setUint32(i * MMSGHDR.size + LM.msg_namelen, 0, true);
      dv.setUint32(i * MMSGHDR.size + MMSGHDR.msg_len, 0, true);
    }
    return r;
  }
}

function liveFd(sock: socket, syscall: string): number {
  if (!hasMmsg) throw fromErrno(ENOSYS, syscall);
  const fd = sock.fileno();
  if (fd < 0) throw fromErrno(EBADF, syscall);
  return fd;
}

/** One batched call in the socket's mode, through socket.ts's one I/O mechanism. */
function run(
  sock: socket,
  batch: MessageBatch,
  count: number | undefined,
  flags: number,
  start: number,
  writing: boolean,
): number {
  const syscall = writing ? "sendmmsg" : "recvmmsg";
  liveFd(sock, syscall);
  const n = batch._checked(count, start);
  const f = toCInt(flags);
  if (writing) batch._checkDestinations(sock.family, n);
  if (n === 0) return 0;
  return sock._mmsg(batch, n, f, writing, false);
}

/**
 * Receives up to `count` datagrams into `batch`'s slots from `start` on (default: slot
 * 0 to the last) with one `recvmmsg(2)`: waits (in the socket's mode) for the first,
 * then takes those already queued, and returns how many it got. **An extension: not in
 * Python's socket module.** The kernel's MSG_WAITFORONE is always on, so a blocking
 * call never waits to fill the batch. Datagram `i` is then `batch.slots[i]`'s first
 * `batch.nbytes(i)` bytes, from `batch.address(i)`, for `i` from `start`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { MessageBatch, recvmmsg } from "./mmsg.ts";
 * const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
 * a.send(new Uint8Array([1, 2]));
 * a.send(new Uint8Array([3]));
 * const batch = new MessageBatch(8, 64);
 * assert.strictEqual(recvmmsg(b, batch), 2);
 * assert.deepStrictEqual([...batch.data(0)], [1, 2]);
 * assert.deepStrictEqual([...batch.data(1)], [3]);
 * a.close();
 * b.close();
 * ```
 */
export function recvmmsg(
  sock: socket,
  batch: MessageBatch,
  count?: number,
  flags = 0,
  start = 0,
): number {
  return run(sock, batch, count, flags, start, false);
}

/**
 * Sends `count` slots of `batch` from slot `start` on (default: slot 0 to the last) as
 * datagrams with one `sendmmsg(2)`, each `batch.setLength(i)` bytes long, to
 * `batch.setAddress(i)`'s address (or the connected peer); returns how many were sent
 * (fewer than `count` when a non-blocking socket's buffer fills: send the rest with
 * `start` moved on). **An extension: not in Python's socket module.** An error on the
 * first datagram raises; one on a later one ends the batch there (the kernel reports it
 * on the next call).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { MessageBatch, sendmmsg } from "./mmsg.ts";
 * const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
 * const batch = new MessageBatch(3, 4);
 * for (let i = 0; i < 3; i++) batch.setLength(i, i + 1);
 * assert.strictEqual(sendmmsg(a, batch), 3);
 * assert.strictEqual(b.recv(10).length, 1);
 * a.close();
 * b.close();
 * ```
 */
export function sendmmsg(
  sock: socket,
  batch: MessageBatch,
  count?: number,
  flags = 0,
  start = 0,
): number {
  return run(sock, batch, count, flags, start, true);
}

// The async steps: module-level, reading their arguments from the operation record.
function mmsgStep(op: Op<number>, writing: boolean): number | typeof AGAIN {
  const sock = op.sock as socket;
  const batch = op.aux as MessageBatch;
  liveFd(sock, writing ? "sendmmsg" : "recvmmsg");
  batch._alive();
  const r = sock._mmsg(batch, op.n, batch._flags, writing, true);
  return r < 0 ? AGAIN : r;
}
const recvStep = (op: Op<number>) => mmsgStep(op, false);
const sendStep = (op: Op<number>) => mmsgStep(op, true);

function submitMmsg(
  sock: socket,
  batch: MessageBatch,
  count: number | undefined,
  flags: number,
  start: number,
  writing: boolean,
  signal: AbortSignal | undefined,
): Promise<number> {
  let fd: number, n: number;
  try {
    fd = liveFd(sock, writing ? "sendmmsg" : "recvmmsg");
    if (sock.gettimeout() !== 0) throw new RangeError("the socket must be non-blocking");
    n = batch._checked(count, start);
    batch._flags = toCInt(flags);
    if (writing) batch._checkDestinations(sock.family, n);
  } catch (e) {
    return Promise.reject(e);
  }
  if (n === 0) return Promise.resolve(0);
  const step = writing ? sendStep : recvStep;
  return perform(
    fd,
    writing,
    writing ? "sendmmsg" : "recvmmsg",
    step,
    sock,
    null,
    n,
    batch,
    signal,
  );
}

/**
 * The async form of {@link recvmmsg} for non-blocking sockets (as asyncio.ts's
 * functions): resolves with the count of datagrams received into `batch` once at
 * least one is in. **An extension: not in Python's asyncio.** `{ signal }` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { MessageBatch, sock_recvmmsg } from "./mmsg.ts";
 * const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
 * b.setblocking(false);
 * const batch = new MessageBatch(8, 64);
 * const got = sock_recvmmsg(b, batch);
 * a.send(new Uint8Array([7]));
 * assert.ok((await got) >= 1);
 * assert.deepStrictEqual([...batch.data(0)], [7]);
 * a.close();
 * b.close();
 * ```
 */
export function sock_recvmmsg(
  sock: socket,
  batch: MessageBatch,
  count?: number,
  flags = 0,
  start = 0,
  options?: AsyncOptions,
): Promise<number> {
  return submitMmsg(sock, batch, count, flags, start, false, options?.signal);
}

/**
 * The async form of {@link sendmmsg} for non-blocking sockets: resolves with the count
 * of datagrams sent (at least one) once the socket takes some. **An extension: not in
 * Python's asyncio.** `{ signal }` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { MessageBatch, sock_sendmmsg } from "./mmsg.ts";
 * const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
 * a.setblocking(false);
 * const batch = new MessageBatch(2, 4);
 * batch.setLength(0, 4);
 * batch.setLength(1, 2);
 * assert.strictEqual(await sock_sendmmsg(a, batch), 2);
 * assert.strictEqual(b.recv(10).length, 4);
 * a.close();
 * b.close();
 * ```
 */
export function sock_sendmmsg(
  sock: socket,
  batch: MessageBatch,
  count?: number,
  flags = 0,
  start = 0,
  options?: AsyncOptions,
): Promise<number> {
  return submitMmsg(sock, batch, count, flags, start, true, options?.signal);
}
