/**
 * The epoll backend of the reactor (Linux).
 *
 * Interest is edge-triggered and lasting (EPOLLET): a descriptor is added once, for
 * reading (EPOLLIN | EPOLLRDHUP), and changed (EPOLL_CTL_MOD) only to add writing
 * while an operation waits to write and to drop it after, so a wait costs no
 * `epoll_ctl` in steady state. Each new readiness is reported once, to exactly one
 * epoll_wait, even when the main thread's zero-timeout wait and the helper thread's
 * blocking wait run at the same time; the reactor keeps a report that found no waiter.
 * Writing is not kept on because a datagram socket signals it at each sent packet.
 * epoll_ctl is thread-safe and takes effect in a wait already in progress (an ADD or
 * MOD of a ready descriptor reports it at once), so arming never needs to wake the wait.
 *
 * An eventfd (non-blocking, close-on-exec) sits in the set, level-triggered: writing
 * to it ends the blocking wait ({@link EpollPoller.wake}); the wait's handler reads it
 * back to zero on the main thread.
 *
 * The blocking wait runs on a helper thread of its own (`ffi.dedicated`: a Worker under
 * Node and Bun), never on the pool that runs the resolver's calls and the runtime's own
 * work, which it would otherwise hold or queue behind; at process exit the backend wakes
 * it, so that it cannot hold the exit up (in a Worker it is bounded: `WAIT_LIMIT_MS`).
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import { fromErrno } from "../errors.ts";
import { type Poller, type ReadyCallback, WAIT_LIMIT_MS } from "./poller.ts";

const S = table.sys;
const E = table.errno;
const EPOLLIN = S.EPOLLIN!;
const EPOLLOUT = S.EPOLLOUT!;
const EPOLLERR = S.EPOLLERR!;
const EPOLLHUP = S.EPOLLHUP!;
const EPOLLRDHUP = S.EPOLLRDHUP!;
const EPOLLET = S.EPOLLET!;
const CTL_ADD = S.EPOLL_CTL_ADD!;
const CTL_DEL = S.EPOLL_CTL_DEL!;
const CTL_MOD = S.EPOLL_CTL_MOD!;
const EINTR = E.EINTR!;
const ENOENT = E.ENOENT!;
const EEXIST = E.EEXIST!;
const EBADF = E.EBADF!;
const READ_READY = EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
const WRITE_READY = EPOLLOUT | EPOLLERR | EPOLLHUP;

/** Events reported per epoll_wait. */
const MAX_EVENTS = 256;

/**
 * The epoll poller: one epoll instance, one eventfd, two result buffers (one for the
 * main thread's zero-timeout waits, one owned by the off-thread wait).
 *
 * @example
 * ```ts
 * import { EpollPoller } from "./epoll.ts";
 * import { socketpair } from "../socket.ts";
 * const [a, b] = socketpair();
 * const p = new EpollPoller();
 * p.arm(a.fileno(), false, true);
 * p.pollNow((fd, r, w) => console.log(fd, r, w)); // a's fd false true
 * p.disarm(a.fileno());
 * a.close();
 * b.close();
 * ```
 */
export class EpollPoller implements Poller {
  /** The backend's name. */
  readonly name: string = "epoll";
  /** Edge-triggered, lasting interest. */
  readonly edge: boolean = true;
  readonly #epfd: number;
  readonly #efd: number;
  readonly #layout = table.layouts.epoll_event!;
  /** The event mask of each descriptor in the epoll set (0: not in it), by descriptor. */
  readonly #registered: number[] = [];
  readonly #ctl = new Uint8Array(table.layouts.epoll_event!.size);
  readonly #ctlView = new DataView(this.#ctl.buffer);
  readonly #syncBuf = new Uint8Array(table.layouts.epoll_event!.size * MAX_EVENTS);
  readonly #syncView = new DataView(this.#syncBuf.buffer);
  readonly #asyncBuf = new Uint8Array(table.layouts.epoll_event!.size * MAX_EVENTS);
  readonly #asyncView = new DataView(this.#asyncBuf.buffer);
  readonly #one = new BigUint64Array([1n]);
  readonly #drain = new BigUint64Array(1);
  readonly #waitAsync = ffi.dedicated("epoll_wait_async", () => this.wake());

  /** Creates the epoll instance and its eventfd (both close-on-exec). */
  constructor() {
    const epfd = libc.epoll_create1(S.EPOLL_CLOEXEC!);
    if (epfd < 0) throw fromErrno(ffi.errno(), "epoll_create1");
    const efd = libc.eventfd(0, S.EFD_NONBLOCK! | S.EFD_CLOEXEC!);
    if (efd < 0) {
      const errno = ffi.errno();
      libc.close(epfd);
      throw fromErrno(errno, "eventfd");
    }
    this.#epfd = epfd;
    this.#efd = efd;
    this.#setEvent(EPOLLIN, efd);
    if (libc.epoll_ctl(epfd, CTL_ADD, efd, this.#ctl) < 0) {
      const errno = ffi.errno();
      libc.close(efd);
      libc.close(epfd);
      throw fromErrno(errno, "epoll_ctl");
    }
  }

  #setEvent(events: number, fd: number): void {
    const v = this.#ctlView;
    v.setUint32(this.#layout.events, events >>> 0, true);
    v.setInt32(this.#layout.data, fd, true);
    v.setInt32(this.#layout.data + 4, 0, true);
  }

  /**
   * Registers `fd` for reading, plus writing when `write` (`read` is implied: reading
   * interest lasts). No system call when the registration is already that; else ADD or
   * MOD, recovering from a stale view of the set.
   */
  arm(fd: number, _read: boolean, write: boolean): void {
    const events = EPOLLET | EPOLLIN | EPOLLRDHUP | (write ? EPOLLOUT : 0);
    const now = this.#registered[fd] ?? 0;
    if (now === events) return;
    this.#setEvent(events, fd);
    let op = now !== 0 ? CTL_MOD : CTL_ADD;
    for (let tries = 0; tries < 3; tries++) {
      if (libc.epoll_ctl(this.#epfd, op, fd, this.#ctl) === 0) {
        this.#registered[fd] = events;
        return;
      }
      const errno = ffi.errno();
      if (errno === ENOENT && op === CTL_MOD) op = CTL_ADD; // closed and reused behind our back
      else if (errno === EEXIST && op === CTL_ADD) op = CTL_MOD;
      else if (errno !== EINTR) {
        this.#registered[fd] = 0;
        throw fromErrno(errno, "epoll_ctl");
      }
    }
    throw fromErrno(EEXIST, "epoll_ctl");
  }

  /** Forgets `fd`'s registration (the next `arm` makes a real call: ADD, or MOD on EEXIST). */
  reset(fd: number): void {
    this.#registered[fd] = 0;
  }

  /** Removes `fd` from the set (ENOENT and EBADF ignored: the kernel may have done it). */
  disarm(fd: number): void {
    if (!this.#registered[fd]) return;
    this.#registered[fd] = 0;
    if (libc.epoll_ctl(this.#epfd, CTL_DEL, fd, this.#ctl) < 0) {
      const errno = ffi.errno();
      if (errno !== ENOENT && errno !== EBADF) throw fromErrno(errno, "epoll_ctl");
    }
  }

  /**
   * Reports the events in `view`. Only the helper thread's wait drains the eventfd: a
   * main-thread zero-timeout wait that drained it could swallow the wake-up meant for
   * the blocking wait, which would then sleep on with nothing left to end it.
   */
  #report(view: DataView, n: number, onReady: ReadyCallback, drainWake: boolean): number {
    const size = this.#layout.size;
    const off = this.#layout.events;
    const data = this.#layout.data;
    let reported = 0;
    for (let i = 0; i < n; i++) {
      const base = i * size;
      const events = view.getUint32(base + off, true);
      const fd = view.getInt32(base + data, true);
      if (fd === this.#efd) {
        if (drainWake) libc.read(this.#efd, this.#drain, 8);
        continue;
      }
      reported++;
      onReady(fd, (events & READ_READY) !== 0, (events & WRITE_READY) !== 0);
    }
    return reported;
  }

  /** epoll_wait with a zero timeout on the main thread. */
  pollNow(onReady: ReadyCallback): number {
    const n = libc.epoll_wait(this.#epfd, this.#syncBuf, MAX_EVENTS, 0);
    if (n <= 0) {
      if (n < 0 && ffi.errno() !== EINTR) throw fromErrno(ffi.errno(), "epoll_wait");
      return 0;
    }
    return this.#report(this.#syncView, n, onReady, false);
  }

  /**
   * epoll_wait on a helper thread, with no timeout (in a Worker: {@link WAIT_LIMIT_MS});
   * reports on the main thread.
   */
  async wait(onReady: ReadyCallback): Promise<void> {
    const n = await this.#waitAsync(this.#epfd, this.#asyncBuf, MAX_EVENTS, WAIT_LIMIT_MS);
    // errno of the helper thread is out of reach; a failed wait (EINTR) is simply retried
    // by the reactor.
    if (n > 0) this.#report(this.#asyncView, n, onReady, true);
  }

  /** Writes the eventfd: the blocking wait returns. */
  wake(): void {
    libc.write(this.#efd, this.#one, 8);
  }
}
