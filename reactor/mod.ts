/**
 * The reactor: one readiness wait for every socket of the process.
 *
 * An operation ({@link submit}) first runs its system call on the main thread; only
 * when that would block (EAGAIN) does it queue a waiter on its descriptor and
 * direction. A receive that follows one that would have blocked is queued without
 * trying (in request-response traffic its answer cannot be there yet) until the
 * prediction proves wrong or readiness was reported. The reactor registers interest
 * for the descriptors with queued operations ({@link Poller}: edge-triggered epoll on
 * Linux, registered once; one-shot poll(2) elsewhere) and finds what is ready three ways:
 *
 * - with few operations pending, by retrying those whose peer may have acted: a
 *   receive after a send of this process completed, a send after a receive (no epoll
 *   call at all for a same-process conversation);
 * - a zero-timeout wait on the main thread, run from a microtask after waiters were
 *   queued: on loopback and busy servers the peer's data is usually already there, and
 *   no thread is involved;
 * - otherwise one blocking wait on a helper thread (a nonblocking FFI call), at most one
 *   in flight, which wakes the main thread when something is ready.
 *
 * The first two run from microtasks, which would starve timers and other I/O; after
 * {@link SYNC_SLICE_MS} ms of them the reactor goes through the helper thread's wait
 * (woken at once when direct retries are making progress), which returns through the
 * event loop.
 *
 * When a descriptor is ready, the reactor runs the queued operations of that direction
 * in order, each retrying its system call, until one would block again (a readiness
 * report that finds no operation waiting is remembered for the next one). Two readers
 * on one socket are thus served in order, and a reader and a writer proceed
 * independently. Errors and hang-ups wake both directions.
 *
 * Liveness: the helper thread's pending call keeps the process alive, so it runs only
 * while an operation is pending. When the last waiter goes (completed, aborted, or its
 * socket closed) the reactor writes the eventfd, the wait returns and is not restarted:
 * a program whose last operation completes exits at once.
 *
 * Cancellation: an aborted operation leaves the queue (writing interest is dropped when
 * no writer is left), and it rejects with `signal.reason`.
 * Closing a socket (socket.ts calls the close hook from `_real_close`/`detach`) fails
 * its pending operations with OSError EBADF and removes the descriptor from the set. A
 * number closed without the hook is noticed when another socket starts an operation on
 * it: the earlier socket's queued operations fail with EBADF then (retried, they would
 * use the new file).
 *
 * @module
 */
import { fromErrno } from "../errors.ts";
import { table } from "../constants/mod.ts";
import { libc } from "../ffi/mod.ts";
import { setCloseHook, setOpenHook } from "./hooks.ts";
import type { Poller } from "./poller.ts";
import { PollPoller } from "./poll.ts";
import { EpollPoller } from "./epoll.ts";
import { KqueuePoller } from "./kqueue.ts";
import { AGAIN, noop, Op, OpQueue, type OpStep, type Step } from "./op.ts";
import { WsaPollPoller } from "./wsapoll.ts";
import { chooseUring, type UringEngine } from "./uring.ts";
import { windowsLayer } from "../ffi/windows.ts";

export type { Poller, ReadyCallback } from "./poller.ts";
export { PollPoller } from "./poll.ts";
export { EpollPoller } from "./epoll.ts";
export { KqueuePoller } from "./kqueue.ts";
export { AGAIN, Op, type OpStep, type Step } from "./op.ts";

const EBADF = table.errno.EBADF!;

/**
 * How long (ms) the reactor may keep completing operations from microtasks (direct
 * retries, zero-timeout waits) before it yields to the event loop (timers, other I/O) by
 * going through the helper thread's wait: the longest a busy conversation delays a timer.
 * A yield costs ~40 µs (a nonblocking FFI call's round trip through a thread), up to
 * ~150 µs with the caches it disturbs: 2 ms slices cost W2 7%, 10 ms slices 1.5%.
 */
export const SYNC_SLICE_MS = 10;

/**
 * With at most this many operations pending, the reactor retries their system calls
 * directly instead of asking epoll which descriptors are ready: one syscall instead of
 * two (epoll_wait + the call), and no epoll_ctl at all while nothing has to block.
 */
export const DIRECT_LIMIT = 4;

/**
 * Microtask hops the reactor lets pass while no operation completes, before it arms
 * interest and blocks: the code that will make a queued operation ready (the other end
 * of a same-process connection) usually runs within a few continuations.
 */
export const IDLE_HOPS = 8;

/** The resolving functions of the Promise being created (no closure per Promise). */
let capturedResolve: (value: never) => void = noop;
let capturedReject: (error: unknown) => void = noop;
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** The queued operations of one descriptor. */
class FdState {
  readonly fd: number;
  /**
   * The socket whose operations use the descriptor. Another socket arriving with the same
   * number means the descriptor was closed and reused behind the reactor's back (a close
   * that bypassed the close hook): what was known of it is dropped ({@link Reactor}).
   * Weak: a socket dropped without close() must stay collectable (its finalizer closes it).
   */
  owner: WeakRef<object> | null = null;
  /** In the reactor's list of descriptors with queued operations. */
  listed = false;
  /** In the reactor's list of descriptors to register. */
  toArm = false;
  readonly readers: OpQueue = new OpQueue();
  readonly writers: OpQueue = new OpQueue();
  /**
   * One-shot poller: interest is armed and not yet reported. Edge-triggered poller: the
   * descriptor is registered (until it is forgotten).
   */
  armed = false;
  /**
   * Edge-triggered poller: readiness was reported since the last attempt in that
   * direction that would have blocked (so the next one is worth trying).
   */
  readReady = false;
  writeReady = false;
  /**
   * The last receive tried at once would have blocked: the next one is queued without
   * its first attempt (see {@link Reactor.tryAtOnce}) until a queued receive turns out to have had
   * its data waiting.
   */
  readEmpty = false;

  constructor(fd: number) {
    this.fd = fd;
  }
}

/**
 * The reactor (see the module notes). One per process: {@link getReactor}.
 *
 * @example
 * ```ts
 * import { getReactor } from "./mod.ts";
 * console.log(getReactor().pending); // 0
 * ```
 */
export class Reactor {
  readonly #poller: Poller;
  readonly #edge: boolean;
  /** The descriptors' states, indexed by descriptor (small dense integers: no hashing). */
  readonly #fds: (FdState | undefined)[] = [];
  /**
   * The descriptors that had queued operations since the last direct pass (each once:
   * {@link FdState.listed}); {@link #direct} walks and compacts it.
   */
  #listed: FdState[] = [];
  /** Descriptors with queued operations and no interest registered yet (each once). */
  #toArm: FdState[] = [];
  #pending = 0;
  #inFlight = false;
  #woken = false;
  #pumpQueued = false;
  /** When the current run of zero-timeout waits began (0: none running). */
  #sliceStart = 0;
  /** Completed operations that read (receive, accept) and that write (send, connect). */
  #readsDone = 0;
  #writesDone = 0;
  /** Microtask hops spent waiting for a completion (see {@link IDLE_HOPS}). */
  #hops = 0;
  /** Whether a direct retry completed something in the current slice. */
  #directProgress = false;
  /** A direct pass is running (no nested one). */
  #directing = false;
  /** Direct passes after a first attempt, counted to read the clock now and then. */
  #ticks = 0;
  /** Yielding to the event loop: the pump rests until the woken wait returns. */
  #yielding = false;
  /**
   * Counters: direct retries that completed something, zero-timeout waits that found
   * something or nothing, blocking waits started, and yields (waits woken at once).
   */
  readonly stats: {
    directHits: number;
    syncHits: number;
    syncMisses: number;
    asyncWaits: number;
    yields: number;
  } = {
    directHits: 0,
    syncHits: 0,
    syncMisses: 0,
    asyncWaits: 0,
    yields: 0,
  };
  /** Rejections held until the in-flight wait returns (so that the reactor is idle first). */
  #deferred: Array<() => void> = [];
  readonly #onReady = (fd: number, readable: boolean, writable: boolean): void =>
    this.#ready(fd, readable, writable);
  readonly #pumpFn = (): void => this.#pump();
  readonly #afterWait = (): void => this.#waitDone();
  readonly #waitFailed = (e: unknown): void => {
    this.#inFlight = false;
    this.#yielding = false;
    this.#failAll(e);
  };

  /** A reactor over `poller`. */
  constructor(poller: Poller) {
    this.#poller = poller;
    this.#edge = poller.edge;
  }

  /** The readiness backend's name. */
  get backend(): string {
    return this.#poller.name;
  }

  /** Operations waiting for readiness (or, with io_uring, for their completion). */
  get pending(): number {
    return this.#pending + (uring?.pending ?? 0);
  }

  /** Whether a blocking wait is in flight on the helper thread (either backend's). */
  get waiting(): boolean {
    return this.#inFlight || (uring?.waiting ?? false);
  }

  /**
   * Resolves once nothing is pending and no wait is in flight (for tests: the reactor
   * holds nothing that keeps the process alive).
   */
  async idle(): Promise<void> {
    while (this.pending !== 0 || this.waiting) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Notes that an operation completed without queueing (see {@link DIRECT_LIMIT}). */
  noteDone(writing: boolean): void {
    if (writing) this.#writesDone++;
    else this.#readsDone++;
  }

  /**
   * An operation completed at its first attempt: with few operations queued, retries at
   * once those it may have made ready (the other end of a same-process conversation),
   * instead of one microtask later from the pump.
   */
  doneAtOnce(writing: boolean): void {
    this.noteDone(writing);
    if (this.#pending === 0 || this.#pending > DIRECT_LIMIT || this.#directing) return;
    if (this.#yielding) return; // the event loop's turn: the pump resumes after it
    // The clock is read every 16th time only: it costs more than the rest of this call.
    if (this.#sliceStart === 0) this.#sliceStart = performance.now();
    else if ((++this.#ticks & 15) === 0 && performance.now() - this.#sliceStart >= SYNC_SLICE_MS) {
      this.#yieldNow();
      return;
    }
    const before = this.#pending;
    this.#directing = true;
    try {
      this.#direct();
    } finally {
      this.#directing = false;
    }
    if (this.#pending < before) {
      this.stats.directHits++;
      this.#directProgress = true;
      this.#hops = 0;
    }
  }

  /**
   * Whether a new operation on `fd` should try its system call at once: not when
   * operations are already queued in that direction (it queues behind them), nor for a
   * receive right after one that would have blocked (in request-response traffic the
   * answer cannot be there yet; the reactor tries it when something may have made it
   * ready).
   */
  tryAtOnce(fd: number, writing: boolean, sock: unknown = null): boolean {
    const st = this.#fds[fd];
    if (st === undefined) return true;
    if (sock !== null && st.owner?.deref() !== sock) this.#adopt(st, sock as object);
    if (writing) return st.writers.length === 0;
    return st.readers.length === 0 && (!st.readEmpty || st.readReady);
  }

  /**
   * The kernel gave `fd` to a new socket, `sock`: whatever is queued on that number
   * belongs to an earlier file (closed behind the reactor's back) and fails with EBADF.
   */
  opened(fd: number, sock: object): void {
    const st = this.#fds[fd];
    if (st !== undefined && st.owner?.deref() !== sock) this.#adopt(st, sock);
  }

  /**
   * `sock` now uses `st`'s descriptor. If another socket did before, the number changed
   * hands: it was closed behind the reactor's back (a close that bypassed the close hook)
   * and reused, so it names a new file. The operations queued by the earlier socket fail
   * with EBADF (retried, they would read or write the new file), predictions and readiness
   * are dropped, and the registration is made again at the next wait (the kernel dropped
   * the old one with the old file).
   */
  #adopt(st: FdState, sock: object): void {
    if (st.owner !== null) {
      const stale = [...st.readers.drain(), ...st.writers.drain()];
      this.#pending -= stale.length;
      for (const w of stale) w.fail(fromErrno(EBADF, w.syscall));
      if (stale.length !== 0) this.#schedule(); // a wait in flight may have to end
      st.readEmpty = st.readReady = st.writeReady = false;
      if (st.armed) {
        st.armed = false;
        this.#poller.reset(st.fd);
      }
    }
    st.owner = new WeakRef(sock);
  }

  /**
   * Queues operation `op` that would block (`tried`: its first attempt said so; else it
   * was not tried, see {@link tryAtOnce}); the Promise settles when its step succeeds
   * or fails.
   */
  enqueue<T>(
    op: Op<T>,
    fd: number,
    writing: boolean,
    syscall: string,
    signal: AbortSignal | undefined,
    tried: boolean,
  ): Promise<T> {
    const promise = new Promise<T>(capture);
    const w = op as Op;
    w.resolve = capturedResolve as (value: unknown) => void;
    w.reject = capturedReject;
    w.fd = fd;
    w.writing = writing;
    w.syscall = syscall;
    w.signal = signal;
    w.onAbort = undefined;
    w.skipped = false;
    let st = this.#fds[fd];
    if (st === undefined) {
      st = new FdState(fd);
      if (w.sock !== null) st.owner = new WeakRef(w.sock as object);
      this.#fds[fd] = st;
    }
    if (writing) st.writeReady = false;
    else if (tried) {
      st.readEmpty = true;
      st.readReady = false;
    } else w.skipped = true;
    (writing ? st.writers : st.readers).push(w);
    if (!st.listed) {
      st.listed = true;
      this.#listed.push(st);
    }
    if (!st.armed && !st.toArm) {
      st.toArm = true;
      this.#toArm.push(st);
    }
    this.#pending++;
    w.seen = writing ? this.#readsDone : this.#writesDone;
    // Interest is armed lazily, by the pump, only when something has to block.
    if (st.armed) {
      try {
        this.#arm(fd, st);
      } catch (e) {
        this.#remove(w);
        w.fail(e);
        return promise;
      }
    }
    if (signal !== undefined) {
      w.onAbort = () => this.#cancel(w, signal.reason);
      signal.addEventListener("abort", w.onAbort, { once: true });
    }
    this.#schedule();
    return promise;
  }

  /** Fails the operations on `fd` with EBADF and forgets it (the socket is closing). */
  forget(fd: number): void {
    const st = this.#fds[fd];
    if (st === undefined) return;
    this.#fds[fd] = undefined;
    this.#poller.disarm(fd);
    const all = [...st.readers.drain(), ...st.writers.drain()];
    this.#pending -= all.length;
    for (const w of all) w.fail(fromErrno(EBADF, w.syscall));
    if (all.length !== 0) this.#schedule();
  }

  #arm(fd: number, st: FdState): void {
    const read = st.readers.length !== 0;
    const write = st.writers.length !== 0;
    if (this.#edge) {
      // Lasting interest: register once; only the writing interest changes.
      if (read || write || st.armed) {
        this.#poller.arm(fd, read, write);
        st.armed = true;
      }
      return;
    }
    if (read || write) {
      this.#poller.arm(fd, read, write);
      st.armed = true;
    } else if (st.armed) {
      this.#poller.disarm(fd);
      st.armed = false;
    }
  }

  /** Takes `w` out of its queue; false if it was no longer queued. */
  #remove(w: Op): boolean {
    const st = this.#fds[w.fd];
    if (st === undefined) return false;
    const queue = w.writing ? st.writers : st.readers;
    if (!queue.remove(w)) return false;
    this.#pending--;
    try {
      this.#arm(w.fd, st);
    } catch {
      // The descriptor is gone: nothing left to disarm.
    }
    if (st.readers.length === 0 && st.writers.length === 0 && !st.armed) {
      this.#fds[w.fd] = undefined;
    }
    return true;
  }

  #cancel(w: Op, reason: unknown): void {
    if (!this.#remove(w)) return;
    if (this.#pending === 0 && this.#inFlight) {
      // Stop the helper thread's wait first, and reject once it has returned, so that
      // nothing of the reactor is pending when the caller sees the rejection.
      this.#deferred.push(() => w.fail(reason));
      this.#wake();
    } else {
      w.fail(reason);
    }
  }

  #ready(fd: number, readable: boolean, writable: boolean): void {
    const st = this.#fds[fd];
    if (st === undefined) return;
    if (readable) {
      st.readReady = true;
      this.#run(st, false);
    }
    if (writable) {
      st.writeReady = true;
      this.#run(st, true);
    }
    if (this.#edge) {
      // Interest lasts; drop writing interest once no writer waits (no call otherwise).
      if (st.writers.length === 0) this.#rearm(fd, st);
      return;
    }
    st.armed = false;
    if (st.readers.length === 0 && st.writers.length === 0) {
      // Keep the descriptor in the set (disarmed): the next wait is one MOD, not an ADD.
      return;
    }
    this.#rearm(fd, st);
  }

  #rearm(fd: number, st: FdState): void {
    try {
      this.#arm(fd, st);
    } catch {
      // The descriptor is unusable (closed behind our back): its operations fail.
      this.forget(fd);
    }
  }

  /** Runs the queued operations of one direction in order until one would block. */
  #run(st: FdState, writing: boolean): void {
    const queue = writing ? st.writers : st.readers;
    for (let w = queue.first(); w !== undefined; w = queue.first()) {
      const untried = w.skipped;
      w.skipped = false;
      if (!w.attempt()) {
        if (writing) st.writeReady = false;
        else st.readReady = false;
        return;
      }
      // A receive queued untried that had its data before any send of this process
      // completed: the prediction was wrong; try the next one at once again.
      if (untried && w.seen === this.#writesDone) st.readEmpty = false;
      queue.shift();
      this.#pending--;
      this.noteDone(writing);
    }
  }

  /**
   * Retries the queued operations' system calls, in order per descriptor and direction,
   * but only those that an operation completed since their last try may have made ready.
   */
  #direct(): void {
    const list = this.#listed;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const st = list[i];
      if (st.readers.length === 0 && st.writers.length === 0) {
        st.listed = false;
        continue;
      }
      list[kept++] = st;
      const reader = st.readers.first();
      if (reader !== undefined && reader.seen !== this.#writesDone) {
        this.#run(st, false);
        // The head now is the one that would block (a run completes no send).
        const head = st.readers.first();
        if (head !== undefined) head.seen = this.#writesDone;
      }
      const writer = st.writers.first();
      if (writer !== undefined && writer.seen !== this.#readsDone) {
        this.#run(st, true);
        const head = st.writers.first();
        if (head !== undefined) head.seen = this.#readsDone;
      }
    }
    list.length = kept;
  }

  /**
   * Drops the descriptors without queued operations from {@link #listed} once it has
   * grown past twice the pending count (the direct pass, which also compacts it, does not
   * run while many operations are pending): closed sockets' states do not pile up.
   */
  #compactListed(): void {
    const list = this.#listed;
    if (list.length < 64 || list.length < 2 * this.#pending) return;
    let kept = 0;
    for (const st of list) {
      if (st.readers.length === 0 && st.writers.length === 0) st.listed = false;
      else list[kept++] = st;
    }
    list.length = kept;
  }

  /** Arms interest for every descriptor with queued operations that is not armed yet. */
  #armAll(): void {
    this.#compactListed();
    const list = this.#toArm;
    if (list.length === 0) return;
    this.#toArm = [];
    for (const st of list) {
      st.toArm = false;
      const fd = st.fd;
      if (st.armed || this.#fds[fd] !== st) continue;
      if (st.readers.length === 0 && st.writers.length === 0) continue;
      try {
        this.#arm(fd, st);
      } catch (e) {
        // The descriptor is unusable (closed behind our back): its operations fail.
        this.#fds[fd] = undefined;
        const all = [...st.readers.drain(), ...st.writers.drain()];
        this.#pending -= all.length;
        for (const w of all) w.fail(e);
      }
    }
  }

  /**
   * Yields to the event loop (timers, other I/O) while a conversation within this
   * process runs on direct retries, without registering anything with the kernel: a
   * blocking wait woken at once. Nothing is retried until it returns.
   */
  #yieldNow(): void {
    this.#directProgress = false;
    this.#yielding = true;
    this.stats.yields++;
    if (!this.#inFlight) this.#startWait();
    this.#wake();
  }

  #schedule(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(this.#pumpFn);
  }

  #wake(): void {
    if (this.#woken) return;
    this.#woken = true;
    this.#poller.wake();
  }

  /**
   * The scheduler: one run per queued microtask ({@link #schedule}). Each run goes
   * through the phases in this order and ends at the first that ends it:
   *
   * 1. Idle: nothing pending. Ends the off-thread wait if one is in flight; stop.
   * 2. Resting: yielding to the event loop ({@link #yieldNow}); the woken wait's return
   *    ({@link #waitDone}) pumps again.
   * 3. The sync slice, while less than {@link SYNC_SLICE_MS} ms passed since its start
   *    (`#sliceStart`, set by the first run, cleared when a wait returns):
   *    a. Direct ({@link #directPhase}), with at most {@link DIRECT_LIMIT} pending: retry
   *       what a completion may have made ready. Progress: pump again. None: pump again,
   *       up to {@link IDLE_HOPS} times in a row (`#hops`), before going on.
   *    b. Poll now ({@link #pollNowPhase}): register new interest, zero-timeout wait.
   *       Something ready: pump again (after the woken continuations run).
   * 4. After the slice: Yield ({@link #yieldNow}) when direct retries made progress in
   *    the slice and few are pending; else register new interest ({@link #armPhase}).
   * 5. Wait ({@link #waitPhase}): start the off-thread wait unless one is in flight; its
   *    return ({@link #waitDone}) ends the slice and pumps again.
   *
   * A failure to register or poll fails every pending operation ({@link #failAll}).
   */
  #pump(): void {
    this.#pumpQueued = false;
    if (this.#pending === 0) {
      this.#hops = 0;
      if (this.#inFlight) this.#wake();
      return;
    }
    if (this.#yielding) return;
    const now = performance.now();
    if (this.#sliceStart === 0) this.#sliceStart = now;
    if (now - this.#sliceStart < SYNC_SLICE_MS) {
      if (this.#pending <= DIRECT_LIMIT && this.#directPhase()) return;
      this.#hops = 0;
      if (this.#pollNowPhase()) return;
    } else {
      this.#hops = 0;
      if (this.#directProgress && this.#pending <= DIRECT_LIMIT) {
        this.#yieldNow();
        return;
      }
      if (!this.#armPhase()) return;
    }
    this.#waitPhase();
  }

  /** Phase 3a: direct retries. True when the pump is rescheduled (progress, or a hop). */
  #directPhase(): boolean {
    const before = this.#pending;
    this.#direct();
    if (this.#pending < before) {
      this.stats.directHits++;
      this.#directProgress = true;
      this.#hops = 0;
      this.#schedule();
      return true;
    }
    if (this.#hops < IDLE_HOPS) {
      this.#hops++;
      this.#schedule();
      return true;
    }
    return false;
  }

  /** Phase 3b: zero-timeout wait. True when the run is over (something ready, or failed). */
  #pollNowPhase(): boolean {
    let n = 0;
    try {
      this.#armAll();
      n = this.#poller.pollNow(this.#onReady);
    } catch (e) {
      this.#failAll(e);
      return true;
    }
    if (n === 0) return false;
    this.stats.syncHits++;
    // The woken operations' continuations run next (microtasks); check again after.
    this.#schedule();
    return true;
  }

  /** Phase 4: registers new interest. False when that failed (everything failed). */
  #armPhase(): boolean {
    try {
      this.#armAll();
      return true;
    } catch (e) {
      this.#failAll(e);
      return false;
    }
  }

  /** Phase 5: nothing ready at once; the off-thread wait takes over. */
  #waitPhase(): void {
    this.stats.syncMisses++;
    this.#directProgress = false;
    if (this.#pending === 0) return;
    if (!this.#inFlight) {
      this.stats.asyncWaits++;
      this.#startWait();
    }
  }

  /** Starts the off-thread wait (none in flight); {@link #waitDone} runs when it returns. */
  #startWait(): void {
    this.#inFlight = true;
    this.#woken = false;
    this.#poller.wait(this.#onReady).then(this.#afterWait, this.#waitFailed);
  }

  #waitDone(): void {
    this.#inFlight = false;
    this.#yielding = false;
    this.#woken = false;
    this.#sliceStart = 0;
    if (this.#deferred.length !== 0) {
      const deferred = this.#deferred;
      this.#deferred = [];
      for (const fn of deferred) fn();
    }
    if (this.#pending !== 0) this.#schedule();
  }

  #failAll(e: unknown): void {
    const states = this.#fds.filter((st) => st !== undefined);
    this.#fds.length = 0;
    this.#listed = [];
    this.#toArm = [];
    for (const st of states) {
      const fd = st.fd;
      st.listed = st.toArm = false;
      try {
        this.#poller.disarm(fd);
      } catch { /* best effort */ }
      const all = [...st.readers.drain(), ...st.writers.drain()];
      this.#pending -= all.length;
      for (const w of all) w.fail(e);
    }
  }
}

let instance: Reactor | undefined;
/** The io_uring engine of the byte operations, when chosen (see {@link getReactor}). */
let uring: UringEngine | null = null;

/** `SOCKET_REACTOR` ("epoll", "uring"), read where the runtime lets it be read unasked. */
function reactorChoice(): string | undefined {
  const g = globalThis as {
    Deno?: {
      env: { get(k: string): string | undefined };
      permissions: { querySync?(d: { name: "env"; variable: string }): { state: string } };
    };
    process?: { env?: Record<string, string | undefined> };
  };
  try {
    if (g.Deno !== undefined) {
      const state = g.Deno.permissions.querySync?.({ name: "env", variable: "SOCKET_REACTOR" });
      return state?.state === "granted" ? g.Deno.env.get("SOCKET_REACTOR") : undefined;
    }
    return g.process?.env?.SOCKET_REACTOR;
  } catch {
    return undefined;
  }
}

/**
 * The operation kind of the asyncio.ts steps that io_uring runs instead (see
 * {@link markUring}): a property of the step function.
 */
interface UringStep {
  uringKind?: number;
}

/**
 * Marks `step` as one that the io_uring engine runs itself when chosen (`kind`: uring.ts's
 * RECV_INTO, RECV or SENDALL); {@link perform} then hands such operations to it.
 *
 * @example
 * ```ts
 * import { markUring } from "./mod.ts";
 * import { RECV_INTO } from "./uring.ts";
 * const step = () => 0;
 * markUring(step, RECV_INTO);
 * ```
 */
export function markUring(step: unknown, kind: number): void {
  (step as UringStep).uringKind = kind;
}

/**
 * The io_uring engine running the byte operations, or null (epoll/readiness: not chosen
 * or not available, see uring.ts's `uringUnavailable`).
 *
 * @example
 * ```ts
 * import { uringEngine } from "./mod.ts";
 * console.log(uringEngine()?.stats); // undefined unless SOCKET_REACTOR=uring
 * ```
 */
export function uringEngine(): UringEngine | null {
  getReactor();
  return uring;
}

/** The name of the backend running the byte operations: "uring", else the poller's name. */
export function byteBackend(): string {
  const r = getReactor();
  return uring?.name ?? r.backend;
}

/**
 * The process's reactor, created on first use (epoll on Linux, kqueue on macOS, WSAPoll on
 * Windows, else poll(2)).
 *
 * @example
 * ```ts
 * import { getReactor } from "./mod.ts";
 * console.log(getReactor().backend); // "epoll" on Linux
 * ```
 */
export function getReactor(): Reactor {
  if (instance === undefined) {
    const has = (name: string) => typeof (libc as Record<string, unknown>)[name] === "function";
    const poller = has("epoll_create1")
      ? new EpollPoller()
      : has("kqueue") && table.layouts.kevent
      ? new KqueuePoller()
      : windowsLayer !== undefined
      ? new WsaPollPoller() // Windows: WSAPoll on a helper thread
      : new PollPoller();
    const r = new Reactor(poller);
    // io_uring where wanted and available (else epoll: see uring.ts's fallback notes).
    if (poller instanceof EpollPoller) uring = chooseUring(reactorChoice());
    const u = uring;
    if (u === null) {
      setCloseHook((fd) => r.forget(fd));
      setOpenHook((fd, sock) => r.opened(fd, sock));
    } else {
      setCloseHook((fd) => {
        u.forget(fd);
        r.forget(fd);
      });
      setOpenHook((fd, sock) => {
        u.opened(fd, sock);
        r.opened(fd, sock);
      });
    }
    instance = r;
  }
  return instance;
}

/**
 * Runs one operation on non-blocking descriptor `fd`: `step(op)` at once (unless
 * operations are already queued in that direction, or a receive is predicted to block),
 * then again at each readiness until it returns something other than {@link AGAIN} or
 * throws. The step finds `sock`, `buf`, `n` and `aux` on its `op` (and counts its
 * progress in `op.done`). Rejects with `signal.reason` on abort. Allocates no closure:
 * the hot path of asyncio.ts.
 *
 * @example
 * ```ts
 * import { AGAIN, type Op, perform } from "./mod.ts";
 * import { socketpair, type socket } from "../socket.ts";
 * const recvStep = (op: Op<number>) => {
 *   const r = (op.sock as socket)._recv_nowait(op.buf!, op.n, 0);
 *   return r < 0 ? AGAIN : r;
 * };
 * const [a, b] = socketpair();
 * b.setblocking(false);
 * const buf = new Uint8Array(10);
 * const got = perform(b.fileno(), false, "recv", recvStep, b, buf, buf.length, null);
 * a.send(new Uint8Array([1]));
 * console.log(await got); // 1
 * a.close();
 * b.close();
 * ```
 */
export function perform<T>(
  fd: number,
  writing: boolean,
  syscall: string,
  step: OpStep<T>,
  sock: unknown,
  buf: Uint8Array | null,
  n: number,
  aux: unknown,
  signal?: AbortSignal,
): Promise<T> {
  if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
  const r = instance ?? getReactor();
  if (uring !== null) {
    const kind = (step as UringStep).uringKind;
    // 0 bytes: the readiness path's step, which returns at once (a recv of 0 would wait)
    if (kind !== undefined && n !== 0) {
      const p = uring.perform<T>(kind, fd, sock as object, buf, n, signal);
      if (p !== null) return p;
    }
  }
  const now = r.tryAtOnce(fd, writing, sock);
  if (now) {
    // The first attempt works on a shared record: an operation that completes at once
    // allocates nothing but its resolved Promise.
    const first = scratch as Op<T>;
    first.step = step;
    first.sock = sock;
    first.buf = buf;
    first.n = n;
    first.done = 0;
    first.aux = aux;
    let value: T | typeof AGAIN;
    try {
      value = step(first);
    } catch (e) {
      return Promise.reject(e);
    } finally {
      first.sock = first.buf = first.aux = null;
    }
    if (value !== AGAIN) {
      r.doneAtOnce(writing);
      return Promise.resolve(value);
    }
  }
  const op = new Op<T>();
  op.step = step;
  op.sock = sock;
  op.buf = buf;
  op.n = n;
  op.done = now ? scratch.done : 0; // progress made by the first attempt
  op.aux = aux;
  return r.enqueue(op, fd, writing, syscall, signal, now);
}

/** The record of first attempts (see {@link perform}). */
const scratch = new Op();

const callAux = (op: Op): unknown => (op.aux as Step<unknown>)();

/**
 * Runs one operation given as a closure (see {@link perform}): `step` at once unless
 * operations are already queued in that direction, then again at each readiness until
 * it returns something other than {@link AGAIN} or throws. Rejects with `signal.reason`
 * on abort. `owner` is the socket using `fd` (see {@link perform}'s `sock`).
 *
 * @example
 * ```ts
 * import { AGAIN, submit } from "./mod.ts";
 * import { socketpair } from "../socket.ts";
 * const [a, b] = socketpair();
 * b.setblocking(false);
 * const got = submit(b.fileno(), false, "recv", () => {
 *   try {
 *     return b.recv(10);
 *   } catch {
 *     return AGAIN;
 *   }
 * });
 * a.send(new Uint8Array([1]));
 * console.log(await got); // Uint8Array(1) [1]
 * a.close();
 * b.close();
 * ```
 */
export function submit<T>(
  fd: number,
  writing: boolean,
  syscall: string,
  step: Step<T>,
  signal?: AbortSignal,
  owner: unknown = null,
): Promise<T> {
  return perform(fd, writing, syscall, callAux as OpStep<T>, owner, null, 0, step, signal);
}
