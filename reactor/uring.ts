/**
 * The io_uring backend of the async API's byte operations (Linux 5.18+): `sock_recv`,
 * `sock_recv_into` and `sock_sendall` are submitted to an io_uring instead of being tried
 * and, on EAGAIN, waited for through epoll (reactor/mod.ts). Chosen once, at the
 * reactor's creation ({@link chooseUring}); every other operation (accept, connect,
 * datagrams, messages, sendfile) stays on the readiness reactor.
 *
 * - **Rings mapped from JavaScript.** `io_uring_setup` through syscall(2); the SQ/CQ rings
 *   (one mapping) and the SQE array viewed as typed arrays over the mapped memory
 *   (`ffi.view`); tails published and heads read with `Atomics`.
 * - **Submission.** An operation writes its SQE at once, with no EAGAIN probe (the kernel
 *   arms its own poll for a receive with nothing queued); the ring is entered once per
 *   pump turn (a microtask, after {@link GATHER_HOPS} hops), so every send of a turn goes in
 *   the same `io_uring_enter` as the receives it may complete, and the receives go in after
 *   the sends (one whose bytes come from a send of the same enter then finds them at once:
 *   no poll armed). Completions are reaped from the CQ ring with no system call. One
 *   operation per descriptor and direction is in the ring at a time: the rest queue behind
 *   it, so operations complete in the order they were started.
 * - **Buffers.** No address of JavaScript memory is ever given to the kernel: each SQE
 *   points into staging memory this module maps and owns (slots of 256 B to 64 KiB); a
 *   send copies its bytes in at submission, a receive copies them out at completion. A
 *   receive whose buffer was resized or detached meanwhile rejects with RangeError, and
 *   the bytes it got are kept for the socket's next async receive ("leftover"), as are the
 *   bytes of a receive aborted after it had completed in the kernel.
 * - **Waiting.** With DEFER_TASKRUN (6.1+) completions are made only when this thread
 *   enters the ring; the kernel then writes an eventfd (`IORING_REGISTER_EVENTFD`) when it
 *   has completion work queued. While operations are pending and the pump finds nothing to
 *   reap for a few microtask hops, an {@link EpollPoller} of the engine's own waits for that
 *   eventfd on its helper thread (`ffi.dedicated`), never on the main thread; the eventfd
 *   is muted (`IORING_CQ_EVENTFD_DISABLED`) except during that wait. The pump yields to the
 *   event loop through that wait every {@link SYNC_SLICE_MS} ms, as the reactor does.
 * - **Cancellation.** An AbortSignal rejects at once with its reason; an operation whose
 *   entry the kernel has not consumed yet is taken back (its SQE becomes a NOP), one in the
 *   kernel is cancelled with `IORING_OP_ASYNC_CANCEL` (by its `user_data`); its slot is
 *   freed at its own completion. Closing a socket (the close hook) fails its operations
 *   with EBADF and enters the ring at once with their cancellations, so that the ring drops
 *   its reference to the file before close(2) returns to the caller's next step. A number
 *   closed behind the module's back and reused: the old socket's entries not submitted yet
 *   are taken back, so that none reaches the new file.
 * - **Fallback.** `io_uring_setup` failing (ENOSYS, EPERM: seccomp or
 *   `kernel.io_uring_disabled`, ENOMEM), a missing feature or opcode
 *   (`IORING_REGISTER_PROBE`), a runtime without `ffi.view`, or a Worker (see
 *   {@link chooseUring}): the readiness reactor.
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import { fromErrno } from "../errors.ts";
import { EpollPoller } from "./epoll.ts";
import { bufferGone } from "./op.ts";

/**
 * The io_uring ABI this file uses (`<linux/io_uring.h>`): struct offsets and constants.
 * Hand-written (the generator has no io_uring structs yet); tests/uring_test.ts checks
 * each against the C header with cc.
 */
export const URING_ABI = {
  params: {
    size: 120,
    sq_entries: 0,
    cq_entries: 4,
    flags: 8,
    features: 20,
    sq_off: 40,
    cq_off: 80,
  },
  sq_off: { head: 0, tail: 4, ring_mask: 8, ring_entries: 12, flags: 16, array: 24 },
  cq_off: { head: 0, tail: 4, ring_mask: 8, ring_entries: 12, overflow: 16, cqes: 20, flags: 24 },
  sqe: {
    size: 64,
    opcode: 0,
    flags: 1,
    fd: 4,
    off: 8,
    addr: 16,
    len: 24,
    msg_flags: 28,
    user_data: 32,
  },
  cqe: { size: 16, user_data: 0, res: 8, flags: 12 },
  probe: { size: 16, last_op: 0, ops_len: 1, ops: 16, op_size: 8, op_flags: 2 },
  IORING_OFF_SQ_RING: 0,
  IORING_OFF_SQES: 0x10000000,
  IORING_SETUP_CQSIZE: 1 << 3,
  IORING_SETUP_SUBMIT_ALL: 1 << 7,
  IORING_SETUP_COOP_TASKRUN: 1 << 8,
  IORING_SETUP_TASKRUN_FLAG: 1 << 9,
  IORING_SETUP_SINGLE_ISSUER: 1 << 12,
  IORING_SETUP_DEFER_TASKRUN: 1 << 13,
  IORING_FEAT_SINGLE_MMAP: 1 << 0,
  IORING_FEAT_NODROP: 1 << 1,
  IORING_SQ_CQ_OVERFLOW: 1 << 1,
  IORING_CQ_EVENTFD_DISABLED: 1 << 0,
  IORING_SQ_TASKRUN: 1 << 2,
  IORING_ENTER_GETEVENTS: 1 << 0,
  IORING_REGISTER_EVENTFD: 4,
  IORING_REGISTER_PROBE: 8,
  IO_URING_OP_SUPPORTED: 1 << 0,
  IORING_OP_NOP: 0,
  IORING_OP_ASYNC_CANCEL: 14,
  IORING_OP_SEND: 26,
  IORING_OP_RECV: 27,
} as const;

const A = URING_ABI;
// The same numbers on every architecture (the unified syscall table, Linux 5.1+).
const SYS_IO_URING_SETUP = 425n;
const SYS_IO_URING_ENTER = 426n;
const SYS_IO_URING_REGISTER = 427n;
const PROT_READ_WRITE = 3;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;

const S = table.sys;
const E = table.errno;
const EBADF = E.EBADF!;
const EAGAIN = E.EAGAIN!;
const EINTR = E.EINTR!;
const ECANCELED = E.ECANCELED ?? 125;
const MSG_NOSIGNAL = S.MSG_NOSIGNAL ?? 0;
const SOCK_STREAM = table.constants.SOCK_STREAM!;

/** Submission entries (the CQ has four times as many: every operation can be in flight). */
const SQ_ENTRIES = 1024;
const CQ_ENTRIES = 4096;
/** The largest staging slot: a receive returns at most this, a send goes in such chunks. */
export const MAX_CHUNK = 65536;
/** Staging slot sizes (bytes): the smallest that holds an operation's count is used. */
const SLOT_CLASSES = [256, 4096, MAX_CHUNK] as const;
/** Bytes mapped at a time per slot class (a region is cut into equal slots). */
const REGION_BYTES = [65536, 262144, 1048576] as const;
/** SQ ring flags that ask for an enter: completions backed up, or task work to run. */
const RUN_FLAGS = A.IORING_SQ_CQ_OVERFLOW | A.IORING_SQ_TASKRUN;
/** `user_data` high word of cancellation entries (their completions are ignored). */
const CANCEL_TAG = 0xffffffff;

/** See reactor/mod.ts: the longest a busy conversation delays timers and other I/O (ms). */
export const SYNC_SLICE_MS = 10;
/**
 * Microtask hops the pump lets pass, once entries are written, before it enters the ring:
 * the continuations of the operations completed by the last turn take a few hops each (an
 * `await` chain) to start their next operations, and those should share the enter (W7:
 * ~78 operations per enter).
 */
export const GATHER_HOPS = 4;
/** See reactor/mod.ts: microtask hops with nothing reaped before the helper thread waits. */
export const IDLE_HOPS = 8;

/** What an operation does. */
export const RECV_INTO = 1;
/** A receive returning a fresh Uint8Array. */
export const RECV = 2;
/** A send of all the bytes (in chunks of at most {@link MAX_CHUNK}). */
export const SENDALL = 3;

/** A piece of staging memory: its C address and a view of it. */
interface Slot {
  readonly cls: number;
  readonly address: number;
  readonly view: Uint8Array;
}

let capturedResolve: (value: never) => void = () => {};
let capturedReject: (error: unknown) => void = () => {};
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** One operation: its arguments, its Promise, its entry in the ring. */
class UOp {
  kind = 0;
  fd = -1;
  st: UFd | null = null;
  buf: Uint8Array | null = null;
  /** The byte count fixed at the call. */
  n = 0;
  /** A send's progress. */
  done = 0;
  resolve: (value: unknown) => void = () => {};
  reject: (error: unknown) => void = () => {};
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  /** Settled (completed, failed, aborted, or its socket closed). */
  settled = false;
  /** Its index in the engine's table while its entry is in the ring, else -1. */
  id = -1;
  /** The byte count of its entry. */
  len = 0;
  slot: Slot | null = null;
}

/** The operations of one descriptor. */
class UFd {
  readonly fd: number;
  owner: WeakRef<object> | null = null;
  readers: UOp[] = [];
  writers: UOp[] = [];
  /** The receive and the send in the ring (or cancelled and not yet completed). */
  reading: UOp | null = null;
  writing: UOp | null = null;
  /** Received bytes no operation took (see the module notes), served first. */
  leftover: Uint8Array | null = null;
  constructor(fd: number) {
    this.fd = fd;
  }
}

function mapOrThrow(length: number, prot: number, flags: number, fd: number, offset: number) {
  const p = BigInt(libc.mmap(0, length, prot, flags, fd, BigInt(offset)));
  if (p === MAP_FAILED || p === 0n) throw fromErrno(ffi.errno(), "mmap");
  return p;
}

/**
 * The io_uring engine (see the module notes). One per process (per Worker), created by
 * {@link chooseUring}.
 *
 * @example
 * ```ts ignore
 * import { chooseUring } from "./uring.ts";
 * const engine = chooseUring("uring");
 * console.log(engine === null ? "epoll" : engine.name); // "uring" where the kernel allows
 * ```
 */
export class UringEngine {
  /** The backend's name. */
  readonly name: string = "uring";
  readonly #fd: number;
  readonly #efd: number;
  readonly #sqHead: Uint32Array;
  readonly #sqTail: Uint32Array;
  readonly #sqFlags: Uint32Array;
  readonly #sqMask: number;
  readonly #sqEntries: number;
  readonly #cqHead: Uint32Array;
  readonly #cqTail: Uint32Array;
  readonly #cqMask: number;
  readonly #cqFlags: Uint32Array;
  readonly #cq32: Uint32Array;
  readonly #cqI32: Int32Array;
  readonly #sqe32: Uint32Array;
  readonly #sqe8: Uint8Array;
  /** Setup flags in use. */
  readonly setupFlags: number;
  #sqLocal = 0;
  #toSubmit = 0;
  /** The operations in the ring, by id (`user_data`'s low word); the high word is gen. */
  readonly #table: (UOp | undefined)[] = [];
  readonly #gen: number[] = [];
  readonly #freeIds: number[] = [];
  readonly #fds: (UFd | undefined)[] = [];
  /** Receives started this turn, their entries not written yet (see #flush). */
  readonly #recvs: UOp[] = [];
  /** Sends whose entries did not fit in the SQ (an enter failed to make room). */
  readonly #held: UOp[] = [];
  /** Cancellations that did not fit: the target's id and generation, by pairs. */
  readonly #heldCancels: number[] = [];
  readonly #free: Slot[][] = SLOT_CLASSES.map(() => []);
  /** Staging regions mapped (address, length), for the record. */
  readonly #regions: [number, number][] = [];
  /** Operations not settled. */
  #pending = 0;
  /** Entries in the ring whose completion was not reaped (cancellations included). */
  #inRing = 0;
  #pumpQueued = false;
  #hops = 0;
  /** Microtask hops this turn's entries have waited for others (see GATHER_HOPS). */
  #gather = 0;
  #sliceStart = 0;
  #yielding = false;
  #waiting = false;
  #woken = false;
  readonly #poller: EpollPoller;
  readonly #pumpFn = (): void => this.#pump();
  readonly #onReady = (): void => {};
  readonly #afterWait = (): void => this.#waitDone();
  readonly #waitFailed = (e: unknown): void => {
    this.#waiting = false;
    this.#yielding = false;
    this.#failAll(e);
  };
  /** Counters: pump turns that entered the ring, that reaped something, blocking waits. */
  readonly stats: { enters: number; reaps: number; asyncWaits: number; yields: number } = {
    enters: 0,
    reaps: 0,
    asyncWaits: 0,
    yields: 0,
  };

  /**
   * Sets up the ring (throws OSError when the kernel refuses, Error when a feature or an
   * opcode is missing).
   */
  constructor() {
    if (typeof ffi.view !== "function") throw new Error("the FFI backend cannot view C memory");
    const params = new Uint8Array(A.params.size);
    const p = new DataView(params.buffer);
    let fd = -1;
    let errno = 0;
    let flags = 0;
    const base = A.IORING_SETUP_CQSIZE | A.IORING_SETUP_SUBMIT_ALL;
    // Completions run only when this thread enters the ring (DEFER_TASKRUN, 6.1+: no
    // interrupt of the main thread, completions handled in batches), else as task work.
    const modes = [
      base | A.IORING_SETUP_SINGLE_ISSUER | A.IORING_SETUP_DEFER_TASKRUN |
      A.IORING_SETUP_TASKRUN_FLAG,
      base | A.IORING_SETUP_SINGLE_ISSUER,
      base,
    ];
    for (const f of modes) {
      params.fill(0);
      p.setUint32(A.params.flags, f, true);
      p.setUint32(A.params.cq_entries, CQ_ENTRIES, true);
      fd = libc.io_uring_setup(SYS_IO_URING_SETUP, SQ_ENTRIES, params);
      if (fd >= 0) {
        flags = f;
        break;
      }
      errno = ffi.errno();
      if (errno !== E.EINVAL) break; // EINVAL: a flag this kernel lacks; else: refused
    }
    if (fd < 0) throw fromErrno(errno, "io_uring_setup");
    this.setupFlags = flags;
    this.#fd = fd;
    let efd = -1;
    const maps: [bigint, number][] = []; // unmapped again if the setup fails
    const map = (length: number, offset: number) => {
      const address = mapOrThrow(length, PROT_READ_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
      maps.push([address, length]);
      return ffi.view!(address, length);
    };
    try {
      const features = p.getUint32(A.params.features, true);
      const need = A.IORING_FEAT_SINGLE_MMAP | A.IORING_FEAT_NODROP;
      if ((features & need) !== need) throw new Error("io_uring lacks SINGLE_MMAP or NODROP");
      this.#probe();
      const sqEntries = p.getUint32(A.params.sq_entries, true);
      const cqEntries = p.getUint32(A.params.cq_entries, true);
      const so = A.params.sq_off, co = A.params.cq_off;
      const sqArrayOff = p.getUint32(so + A.sq_off.array, true);
      const cqesOff = p.getUint32(co + A.cq_off.cqes, true);
      const ringSize = Math.max(sqArrayOff + sqEntries * 4, cqesOff + cqEntries * A.cqe.size);
      const rings = map(ringSize, A.IORING_OFF_SQ_RING);
      const u32 = (field: number) => new Uint32Array(rings, p.getUint32(field, true), 1);
      this.#sqHead = u32(so + A.sq_off.head);
      this.#sqTail = u32(so + A.sq_off.tail);
      this.#sqFlags = u32(so + A.sq_off.flags);
      this.#sqMask = u32(so + A.sq_off.ring_mask)[0];
      this.#sqEntries = sqEntries;
      this.#cqHead = u32(co + A.cq_off.head);
      this.#cqTail = u32(co + A.cq_off.tail);
      this.#cqMask = u32(co + A.cq_off.ring_mask)[0];
      this.#cqFlags = u32(co + A.cq_off.flags);
      this.#cq32 = new Uint32Array(rings, cqesOff, cqEntries * 4);
      this.#cqI32 = new Int32Array(rings, cqesOff, cqEntries * 4);
      // The SQ array maps ring slots to SQEs one to one, once and for all.
      const sqArray = new Uint32Array(rings, sqArrayOff, sqEntries);
      for (let i = 0; i < sqEntries; i++) sqArray[i] = i;
      const sqeBytes = sqEntries * A.sqe.size;
      const sqes = map(sqeBytes, A.IORING_OFF_SQES);
      this.#sqe32 = new Uint32Array(sqes);
      this.#sqe8 = new Uint8Array(sqes);
      this.#sqLocal = this.#sqTail[0];
      efd = libc.eventfd(0, S.EFD_NONBLOCK! | S.EFD_CLOEXEC!);
      if (efd < 0) throw fromErrno(ffi.errno(), "eventfd");
      const arg = new Int32Array([efd]);
      if (
        libc.io_uring_register(SYS_IO_URING_REGISTER, fd, A.IORING_REGISTER_EVENTFD, arg, 1) < 0
      ) {
        throw fromErrno(ffi.errno(), "io_uring_register");
      }
      this.#efd = efd;
      // The eventfd is written only while the helper thread waits (see #startWait).
      Atomics.store(this.#cqFlags, 0, A.IORING_CQ_EVENTFD_DISABLED);
      this.#poller = new EpollPoller();
      this.#poller.arm(efd, true, false);
    } catch (e) {
      if (efd >= 0) libc.close(efd);
      // No view of the mappings outlives this constructor: unmapping them is safe.
      for (const [address, length] of maps) libc.munmap(address, length);
      libc.close(fd);
      throw e;
    }
  }

  /** Throws unless SEND, RECV and ASYNC_CANCEL are supported (IORING_REGISTER_PROBE). */
  #probe(): void {
    const count = 64;
    const probe = new Uint8Array(A.probe.size + count * A.probe.op_size);
    if (
      libc.io_uring_register(
        SYS_IO_URING_REGISTER,
        this.#fd,
        A.IORING_REGISTER_PROBE,
        probe,
        count,
      ) < 0
    ) {
      throw fromErrno(ffi.errno(), "io_uring_register");
    }
    const v = new DataView(probe.buffer);
    const last = probe[A.probe.last_op];
    for (const op of [A.IORING_OP_SEND, A.IORING_OP_RECV, A.IORING_OP_ASYNC_CANCEL]) {
      const flags = v.getUint16(A.probe.ops + op * A.probe.op_size + A.probe.op_flags, true);
      if (op > last || (flags & A.IO_URING_OP_SUPPORTED) === 0) {
        throw new Error(`io_uring lacks opcode ${op}`);
      }
    }
  }

  /** Operations not settled. */
  get pending(): number {
    return this.#pending;
  }

  /** Whether the helper thread's wait is in flight. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /** Entries in the ring whose completion was not reaped yet. */
  get inRing(): number {
    return this.#inRing;
  }

  /** Bytes of staging memory held by operations (mapped, not in a free list). */
  get stagingInUse(): number {
    let bytes = 0;
    for (const [, length] of this.#regions) bytes += length;
    this.#free.forEach((free, cls) => bytes -= free.length * SLOT_CLASSES[cls]);
    return bytes;
  }

  /** A staging slot of at least `n` bytes (n <= {@link MAX_CHUNK}). */
  #alloc(n: number): Slot {
    const cls = n <= SLOT_CLASSES[0] ? 0 : n <= SLOT_CLASSES[1] ? 1 : 2;
    const free = this.#free[cls];
    const slot = free.pop();
    if (slot !== undefined) return slot;
    const size = SLOT_CLASSES[cls];
    const bytes = REGION_BYTES[cls];
    const address = mapOrThrow(bytes, PROT_READ_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const region = ffi.view!(address, bytes);
    const base = Number(address);
    this.#regions.push([base, bytes]);
    for (let off = bytes - size; off > 0; off -= size) {
      free.push({ cls, address: base + off, view: new Uint8Array(region, off, size) });
    }
    return { cls, address: base, view: new Uint8Array(region, 0, size) };
  }

  #release(slot: Slot): void {
    this.#free[slot.cls].push(slot);
  }

  /**
   * Starts an operation on `fd` for socket `sock` (see the module notes). `n` is the byte
   * count fixed at the call; `buf` the caller's view (null for {@link RECV}). Null when
   * `sock` is not a stream socket: the readiness reactor runs it.
   */
  perform<T>(
    kind: number,
    fd: number,
    sock: object,
    buf: Uint8Array | null,
    n: number,
    signal: AbortSignal | undefined,
  ): Promise<T> | null {
    let st = this.#fds[fd];
    if (st === undefined || st.owner?.deref() !== sock) {
      // Stream sockets only: a datagram that the ring received into a buffer resized
      // meanwhile could not stay in the socket, as asyncio.ts promises it does.
      if ((sock as { type?: number }).type !== SOCK_STREAM) return null;
      if (st === undefined) {
        st = new UFd(fd);
        st.owner = new WeakRef(sock);
        this.#fds[fd] = st;
      } else st = this.#adopt(st, sock);
    }
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const writing = kind === SENDALL;
    if (!writing && st.leftover !== null && st.reading === null && st.readers.length === 0) {
      try {
        return Promise.resolve(this.#fromLeftover(st, kind, buf, n) as T);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const promise = new Promise<T>(capture);
    const op = new UOp();
    op.kind = kind;
    op.fd = fd;
    op.st = st;
    op.buf = buf;
    op.n = n;
    op.resolve = capturedResolve as (value: unknown) => void;
    op.reject = capturedReject;
    this.#pending++;
    if (writing ? st.writing === null : st.reading === null) this.#start(op);
    else (writing ? st.writers : st.readers).push(op);
    if (signal !== undefined && !op.settled) {
      op.signal = signal;
      op.onAbort = () => this.#abort(op, signal.reason);
      signal.addEventListener("abort", op.onAbort, { once: true });
    }
    this.#schedule();
    return promise;
  }

  /** A receive served from the bytes kept for the socket. */
  #fromLeftover(st: UFd, kind: number, buf: Uint8Array | null, n: number): number | Uint8Array {
    const left = st.leftover!;
    const k = Math.min(n, left.length);
    const value = kind === RECV ? left.slice(0, k) : (buf!.set(left.subarray(0, k)), k);
    st.leftover = k === left.length ? null : left.subarray(k);
    return value;
  }

  /** Keeps `bytes` (a copy) for the descriptor's next receive. */
  #keep(st: UFd, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const old = st.leftover;
    if (old === null) st.leftover = bytes.slice();
    else {
      const both = new Uint8Array(old.length + bytes.length);
      both.set(old);
      both.set(bytes, old.length);
      st.leftover = both;
    }
  }

  /**
   * Writes `op`'s entry into the ring (submitted at the next pump turn); a failure to do so
   * (no memory for a staging slot, the ring refusing an enter) fails the operation.
   */
  #start(op: UOp): void {
    try {
      this.#tryStart(op);
    } catch (e) {
      const st = op.st!;
      if (st.reading === op) st.reading = null;
      if (st.writing === op) st.writing = null;
      if (op.id >= 0) {
        this.#table[op.id] = undefined;
        this.#freeIds.push(op.id);
        op.id = -1;
      }
      if (op.slot !== null) this.#release(op.slot);
      op.slot = null;
      if (!op.settled) {
        this.#settle(op);
        op.reject(e);
      }
    }
  }

  #tryStart(op: UOp): void {
    const st = op.st!;
    const writing = op.kind === SENDALL;
    let len: number;
    if (writing) {
      const buf = op.buf!;
      if (buf.length < op.n) {
        if (op.slot !== null) this.#release(op.slot); // kept from the previous chunk
        op.slot = null;
        this.#settle(op);
        op.reject(bufferGone(buf, op.n, "sendall", op.done));
        this.#next(st, true);
        return;
      }
      len = Math.min(op.n - op.done, MAX_CHUNK);
      if (op.slot === null) op.slot = this.#alloc(len);
      op.slot.view.set(
        op.done === 0 && len === buf.length ? buf : buf.subarray(op.done, op.done + len),
      );
      st.writing = op;
    } else {
      len = Math.min(op.n, MAX_CHUNK);
      if (op.slot === null) op.slot = this.#alloc(len);
      st.reading = op;
    }
    // The kernel writes or reads `len` bytes at the slot's address: never past the slot.
    if (len > op.slot.view.length) throw new RangeError("staging slot too small");
    let id = this.#freeIds.pop();
    if (id === undefined) {
      id = this.#table.length;
      this.#gen.push(1);
    }
    this.#table[id] = op;
    op.id = id;
    op.len = len;
    if (!writing) this.#recvs.push(op);
    else if (
      !this.#sqe(A.IORING_OP_SEND, op.fd, op.slot.address, len, MSG_NOSIGNAL, id, this.#gen[id])
    ) this.#held.push(op);
  }

  /**
   * Writes the entries held back: sends that did not fit, then the receives started since
   * the last enter, after the turn's sends (a receive whose peer's send is in the same
   * enter, a conversation within the process, then finds its bytes at once, and the kernel
   * arms no poll for it), then cancellations that did not fit. What does not fit stays.
   */
  #flush(): void {
    if (this.#held.length !== 0 && !this.#write(this.#held)) return;
    if (this.#recvs.length !== 0 && !this.#write(this.#recvs)) return;
    const c = this.#heldCancels;
    let k = 0;
    while (k < c.length && this.#sqeCancel(c[k], c[k + 1])) k += 2;
    c.splice(0, k);
  }

  /** Writes the entries of `ops` in order, removing those written; true if all were. */
  #write(ops: UOp[]): boolean {
    let k = 0;
    for (; k < ops.length; k++) {
      const op = ops[k];
      const send = op.kind === SENDALL;
      const opcode = send ? A.IORING_OP_SEND : A.IORING_OP_RECV;
      const flags = send ? MSG_NOSIGNAL : 0;
      const address = op.slot!.address;
      if (!this.#sqe(opcode, op.fd, address, op.len, flags, op.id, this.#gen[op.id])) break;
    }
    if (k === ops.length) ops.length = 0;
    else ops.splice(0, k);
    return ops.length === 0;
  }

  /** Entries not written to the SQ yet. */
  #unwritten(): number {
    return this.#recvs.length + this.#held.length + this.#heldCancels.length;
  }

  /** Submits every entry written or held back (one system call), and runs due task work. */
  #submit(): void {
    this.#flush();
    this.#enter(0);
  }

  /**
   * Fills the next submission entry; false if the SQ is full and an enter did not make
   * room (the kernel short of memory, an interrupted enter): nothing was written.
   */
  #sqe(
    opcode: number,
    fd: number,
    address: number,
    len: number,
    msgFlags: number,
    lo: number,
    hi: number,
  ): boolean {
    if (this.#sqFull()) {
      this.#enter(0);
      if (this.#sqFull()) return false;
    }
    const i = this.#sqLocal & this.#sqMask;
    this.#sqLocal = (this.#sqLocal + 1) >>> 0;
    const w = i * 16; // 64-byte entries as 32-bit words
    const s = this.#sqe32;
    s.fill(0, w, w + 16);
    this.#sqe8[i * 64] = opcode;
    s[w + 1] = fd;
    s[w + 4] = address % 0x100000000;
    s[w + 5] = Math.floor(address / 0x100000000);
    s[w + 6] = len;
    s[w + 7] = msgFlags;
    s[w + 8] = lo;
    s[w + 9] = hi;
    this.#toSubmit++;
    this.#inRing++;
    return true;
  }

  /** Whether every SQ entry is written and not consumed (indices are modulo 2^32). */
  #sqFull(): boolean {
    return ((this.#sqLocal - Atomics.load(this.#sqHead, 0)) >>> 0) >= this.#sqEntries;
  }

  /** Publishes the written entries and enters the ring (`flags`: extra enter flags). */
  #enter(extra: number): void {
    Atomics.store(this.#sqTail, 0, this.#sqLocal);
    const count = this.#toSubmit;
    this.stats.enters++;
    const r = libc.io_uring_enter(
      SYS_IO_URING_ENTER,
      this.#fd,
      count,
      0,
      A.IORING_ENTER_GETEVENTS | extra,
      0n, // BigInt: Deno's fast call path for 64-bit parameters
      0n,
    );
    if (r >= 0) this.#toSubmit -= r;
    else {
      const errno = ffi.errno();
      // EAGAIN/EBUSY: the kernel is short of resources or the CQ is backed up; the entries
      // stay in the ring and go in at the next turn, after the completions are reaped.
      if (errno !== EAGAIN && errno !== EINTR && errno !== (E.EBUSY ?? 16)) {
        throw fromErrno(errno, "io_uring_enter");
      }
    }
  }

  /**
   * Takes `op`'s entry back if the kernel has not consumed it yet (see #drop), else asks
   * the kernel to cancel it (its completion still comes).
   */
  #cancel(op: UOp): void {
    if (this.#drop(op)) return;
    let written = false;
    try {
      written = this.#sqeCancel(op.id, this.#gen[op.id]);
    } catch { /* an enter failing hard: the pump meets it again and fails all */ }
    if (!written) this.#heldCancels.push(op.id, this.#gen[op.id]);
  }

  /** Writes a cancellation of the entry with user_data (`id`, `gen`); false if no room. */
  #sqeCancel(id: number, gen: number): boolean {
    if (!this.#sqe(A.IORING_OP_ASYNC_CANCEL, -1, 0, 0, 0, 0, CANCEL_TAG)) return false;
    // The target's user_data goes in `addr` (both words).
    const i = (this.#sqLocal - 1) & this.#sqMask;
    this.#sqe32[i * 16 + 4] = id;
    this.#sqe32[i * 16 + 5] = gen;
    return true;
  }

  /** Reaps every completion in the CQ ring (no system call); returns their number. */
  #reap(): number {
    let head = this.#cqHead[0];
    const tail = Atomics.load(this.#cqTail, 0);
    if (head === tail) return 0;
    const mask = this.#cqMask, c32 = this.#cq32, cI = this.#cqI32;
    let count = 0;
    while (head !== tail) {
      const w = (head & mask) * 4;
      const lo = c32[w], hi = c32[w + 1], res = cI[w + 2];
      head = (head + 1) >>> 0;
      count++;
      this.#inRing--;
      if (hi !== CANCEL_TAG) this.#complete(lo, hi, res);
    }
    Atomics.store(this.#cqHead, 0, head);
    return count;
  }

  #complete(id: number, gen: number, res: number): void {
    const op = this.#table[id];
    if (op === undefined || this.#gen[id] !== gen) return;
    this.#table[id] = undefined;
    this.#gen[id] = gen >= 0x7fffffff ? 1 : gen + 1;
    this.#freeIds.push(id);
    op.id = -1;
    const st = op.st!;
    const writing = op.kind === SENDALL;
    const slot = op.slot!;
    if (writing) st.writing = null;
    else st.reading = null;
    const live = this.#fds[op.fd] === st;
    if (op.settled) {
      // Aborted or closed while in the ring: a receive's bytes stay for the next one.
      if (!writing && res > 0 && live) this.#keep(st, slot.view.subarray(0, res));
      op.slot = null;
      this.#release(slot);
      if (live) this.#next(st, writing);
      return;
    }
    if (res === -EAGAIN || res === -EINTR) {
      this.#start(op); // retried with the same slot
      return;
    }
    if (writing) {
      if (res < 0) {
        this.#settle(op);
        op.reject(fromErrno(-res, "send"));
      } else {
        op.done += res;
        if (op.done < op.n) {
          this.#start(op); // the next chunk, in the same slot
          return;
        }
        this.#settle(op);
        op.resolve(undefined);
      }
    } else if (res < 0) {
      this.#settle(op);
      op.reject(fromErrno(-res === ECANCELED ? EBADF : -res, "recv"));
    } else if (op.kind === RECV) {
      this.#settle(op);
      op.resolve(slot.view.slice(0, res));
    } else {
      const buf = op.buf!;
      this.#settle(op);
      if (buf.length < op.n) {
        this.#keep(st, slot.view.subarray(0, res));
        op.reject(bufferGone(buf, op.n, "recv_into"));
      } else {
        buf.set(res === slot.view.length ? slot.view : slot.view.subarray(0, res));
        op.resolve(res);
      }
    }
    op.slot = null;
    this.#release(slot);
    this.#next(st, writing);
  }

  /** Starts the next queued operation of one direction, if none is in the ring. */
  #next(st: UFd, writing: boolean): void {
    if (writing) {
      if (st.writing === null && st.writers.length !== 0) this.#start(st.writers.shift()!);
      return;
    }
    while (st.reading === null && st.readers.length !== 0) {
      const op = st.readers.shift()!;
      if (st.leftover === null) {
        this.#start(op);
        return;
      }
      this.#settle(op);
      try {
        op.resolve(this.#fromLeftover(st, op.kind, op.buf, op.n));
      } catch (e) {
        op.reject(e);
      }
    }
  }

  #settle(op: UOp): void {
    op.settled = true;
    this.#pending--;
    if (op.onAbort !== undefined) op.signal!.removeEventListener("abort", op.onAbort);
    op.onAbort = undefined;
  }

  #abort(op: UOp, reason: unknown): void {
    if (op.settled) return;
    const st = op.st!;
    if (op.id >= 0) this.#cancel(op);
    else {
      const queue = op.kind === SENDALL ? st.writers : st.readers;
      const i = queue.indexOf(op);
      if (i >= 0) queue.splice(i, 1);
    }
    this.#settle(op);
    op.reject(reason);
    // An entry taken back (see #drop) has no completion to start the next operation.
    if (this.#fds[op.fd] === st) this.#next(st, op.kind === SENDALL);
    this.#schedule();
  }

  /**
   * Fails `st`'s operations with EBADF and cancels those in the ring; `now`: enters the
   * ring at once (the descriptor is being closed: the ring must drop its file).
   */
  #failFd(st: UFd, now: boolean): void {
    st.leftover = null;
    const all = [...st.readers, ...st.writers];
    st.readers = [];
    st.writers = [];
    // Entries the kernel has not consumed are taken back first, all of them: the number
    // may already name another file (closed behind the module's back and reused), and no
    // entry of the old socket may reach that file (an enter made room for a cancellation
    // would submit them).
    const inRing = [st.reading, st.writing].filter((op) => op !== null && !op.settled);
    const taken = inRing.map((op) => this.#drop(op!));
    inRing.forEach((op, i) => {
      if (!taken[i]) this.#cancel(op!);
      all.push(op!);
    });
    for (const op of all) {
      this.#settle(op);
      op.reject(fromErrno(EBADF, op.kind === SENDALL ? "send" : "recv"));
    }
    if (now && this.#toSubmit + this.#heldCancels.length !== 0) {
      try {
        this.#submit();
        this.#reap();
      } catch { /* the next pump retries */ }
    }
    if (all.length !== 0) this.#schedule();
  }

  /**
   * Takes back `op`'s entry if the kernel has not consumed it yet: an operation held back
   * (#recvs, #held) is removed, an entry in the SQ becomes a NOP (its completion frees the slot).
   * True if it did.
   */
  #drop(op: UOp): boolean {
    if (op.id < 0) return false;
    const held = op.kind === SENDALL ? this.#held : this.#recvs;
    const k = held.indexOf(op);
    if (k >= 0) {
      held.splice(k, 1);
      if (op.st!.reading === op) op.st!.reading = null;
      if (op.st!.writing === op) op.st!.writing = null;
      this.#table[op.id] = undefined;
      this.#freeIds.push(op.id);
      op.id = -1;
      this.#release(op.slot!);
      op.slot = null;
      return true;
    }
    const gen = this.#gen[op.id];
    let j = (this.#sqLocal - this.#toSubmit) >>> 0;
    for (let left = this.#toSubmit; left > 0; left--, j = (j + 1) >>> 0) {
      const w = (j & this.#sqMask) * 16;
      const opcode = this.#sqe8[w * 4];
      if (opcode !== A.IORING_OP_ASYNC_CANCEL && this.#sqe32[w + 8] === op.id) {
        if (this.#sqe32[w + 9] !== gen) continue;
        // Everything but user_data cleared: no descriptor, and no NOP flags (NOP reads
        // msg_flags as nop_flags, 6.10+; a send's MSG_NOSIGNAL there is EINVAL).
        this.#sqe32.fill(0, w, w + 8);
        this.#sqe8[w * 4] = A.IORING_OP_NOP;
        return true;
      }
    }
    return false;
  }

  /** The socket using `fd` is closing (the close hook): its operations fail with EBADF. */
  forget(fd: number): void {
    const st = this.#fds[fd];
    if (st === undefined) return;
    this.#fds[fd] = undefined;
    this.#failFd(st, true);
  }

  /** The kernel gave `fd` to socket `sock` (the open hook). */
  opened(fd: number, sock: object): void {
    const st = this.#fds[fd];
    if (st !== undefined && st.owner?.deref() !== sock) {
      this.#fds[fd] = undefined;
      this.#failFd(st, false);
    }
  }

  /**
   * `sock` uses `st`'s descriptor, another socket did: the number was closed behind the
   * module's back and reused. The earlier socket's operations fail with EBADF; the state
   * starts afresh (entries of the old file still in the ring complete into nothing).
   */
  #adopt(st: UFd, sock: object): UFd {
    const fresh = new UFd(st.fd);
    fresh.owner = new WeakRef(sock);
    this.#fds[st.fd] = fresh;
    this.#failFd(st, false);
    return fresh;
  }

  #schedule(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(this.#pumpFn);
  }

  /**
   * One turn: enter the ring if entries wait (one system call for all of them), reap.
   * With something reaped, pump again after the continuations; with nothing, a few hops,
   * then the helper thread's wait. After {@link SYNC_SLICE_MS} ms of turns, a yield to
   * the event loop through that wait, woken at once.
   */
  #pump(): void {
    this.#pumpQueued = false;
    if (this.#yielding) return;
    if (
      this.#gather < GATHER_HOPS && this.#toSubmit + this.#unwritten() !== 0
    ) {
      // Let the other continuations of the turn write their entries first (see GATHER_HOPS).
      this.#gather++;
      this.#schedule();
      return;
    }
    this.#gather = 0;
    let reaped = 0;
    try {
      if (
        this.#toSubmit + this.#unwritten() !== 0 || (this.#sqFlags[0] & RUN_FLAGS) !== 0
      ) this.#submit();
      reaped = this.#reap();
    } catch (e) {
      this.#failAll(e);
      return;
    }
    if (this.#pending === 0 && reaped === 0) {
      this.#hops = 0;
      if (this.#waiting) this.#wake();
      return;
    }
    // A conversation within the process completes everything from microtasks (often with
    // nothing pending between turns): the slice counts every turn that reaped something.
    const now = performance.now();
    if (this.#sliceStart === 0) this.#sliceStart = now;
    else if (now - this.#sliceStart >= SYNC_SLICE_MS) {
      this.#yielding = true;
      this.stats.yields++;
      if (!this.#waiting) this.#startWait();
      this.#wake();
      return;
    }
    if (this.#pending === 0) {
      this.#hops = 0;
      if (this.#waiting) this.#wake();
      return;
    }
    if (reaped !== 0) {
      this.stats.reaps++;
      this.#hops = 0;
      this.#schedule();
      return;
    }
    if (this.#hops < IDLE_HOPS) {
      this.#hops++;
      this.#schedule();
      return;
    }
    this.#hops = 0;
    if (!this.#waiting) {
      // Completions from now on write the eventfd; one that came in between is reaped here.
      Atomics.store(this.#cqFlags, 0, 0);
      try {
        const due = this.#toSubmit + this.#unwritten() !== 0;
        if (due || (this.#sqFlags[0] & RUN_FLAGS) !== 0) this.#submit();
      } catch (e) {
        this.#failAll(e);
        return;
      }
      if (this.#reap() !== 0) {
        Atomics.store(this.#cqFlags, 0, A.IORING_CQ_EVENTFD_DISABLED);
        this.#schedule();
        return;
      }
      this.stats.asyncWaits++;
      this.#startWait();
    }
  }

  #wake(): void {
    if (this.#woken) return;
    this.#woken = true;
    this.#poller.wake();
  }

  #startWait(): void {
    this.#waiting = true;
    this.#woken = false;
    this.#poller.wait(this.#onReady).then(this.#afterWait, this.#waitFailed);
  }

  #waitDone(): void {
    Atomics.store(this.#cqFlags, 0, A.IORING_CQ_EVENTFD_DISABLED);
    this.#waiting = false;
    this.#yielding = false;
    this.#woken = false;
    this.#sliceStart = 0;
    if (this.#pending !== 0 || this.#toSubmit + this.#unwritten() !== 0) this.#schedule();
  }

  #failAll(e: unknown): void {
    for (const st of this.#fds) {
      if (st === undefined) continue;
      const all = [...st.readers, ...st.writers];
      st.readers = [];
      st.writers = [];
      for (const op of [st.reading, st.writing]) {
        if (op === null || op.settled) continue;
        this.#drop(op); // a rejected send must not go out later
        all.push(op);
      }
      for (const op of all) {
        this.#settle(op);
        op.reject(e);
      }
    }
  }
}

/** Why the last {@link chooseUring} that wanted io_uring did not get it (null: it did). */
export let uringUnavailable: string | null = null;

/**
 * The io_uring engine for `mode` ("uring": wanted; "epoll" or anything else: not), or
 * null when not wanted or when the kernel or runtime cannot provide it (the reason in
 * {@link uringUnavailable}).
 *
 * @example
 * ```ts ignore
 * import { chooseUring, uringUnavailable } from "./uring.ts";
 * const engine = chooseUring("uring");
 * console.log(engine?.name ?? uringUnavailable);
 * ```
 */
export function chooseUring(mode: string | undefined): UringEngine | null {
  if (mode !== "uring") return null;
  if (table.platform.startsWith("linux") !== true) {
    uringUnavailable = "io_uring is Linux only";
    return null;
  }
  if (ffi.inWorker) {
    // A Worker can end at any time with entries in its ring, and nothing then closes the
    // ring: its pending requests would hold their sockets' files (the thread's exit cancels
    // none) until the process ends, so that closing those descriptors closes nothing.
    uringUnavailable = "io_uring is not used in Workers (an ended Worker's ring would keep " +
      "its pending sockets open)";
    return null;
  }
  try {
    const engine = new UringEngine();
    uringUnavailable = null;
    return engine;
  } catch (e) {
    uringUnavailable = e instanceof Error ? e.message : String(e);
    return null;
  }
}
