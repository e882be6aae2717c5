/**
 * The readiness backend interface of the reactor, and the poll(2) fallback.
 *
 * A {@link Poller} knows descriptors and interest, nothing of sockets or
 * waiters. Implementations:
 *
 * - `EpollPoller` (epoll.ts, Linux): the default.
 * - {@link PollPoller} (here): poll(2), for platforms without epoll. It polls on the
 *   main thread without blocking and, while descriptors are armed and none is ready,
 *   re-polls on a timer backing off from 0 to 8 ms. A `poll` entry with
 *   `nonblocking: true` in the symbol table plus a self-pipe for wake-ups would make it
 *   block off-thread like epoll; until a platform needs it, the timer is enough.
 * - `KqueuePoller` (kqueue.ts, macOS): edge-triggered like epoll (EV_CLEAR filters,
 *   EVFILT_WRITE only while writers wait), an EVFILT_USER wake-up, `kevent_async` for
 *   the off-thread wait. Written from the ABI and the manual, untested until run on a Mac.
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import { fromErrno } from "../errors.ts";

/** Called for each ready descriptor: which directions may now make progress. */
export type ReadyCallback = (fd: number, readable: boolean, writable: boolean) => void;

/**
 * A readiness backend. One-shot ({@link Poller.edge} false): `arm` asks for one report
 * of `fd` becoming readable and/or writable; after the report the descriptor is
 * disarmed until armed again. Edge-triggered ({@link Poller.edge} true): `arm` keeps
 * lasting interest (reading always, writing while asked for) and every new readiness is
 * reported once, with no re-arming; the reactor remembers a report that found no
 * operation waiting. Errors and hang-ups are reported as both directions.
 */
export interface Poller {
  /** The backend's name ("epoll", "poll"). */
  readonly name: string;
  /** Whether interest lasts and reports are edges (see the interface notes). */
  readonly edge: boolean;
  /**
   * One-shot: arms interest in `fd` (replacing any earlier interest). Edge: makes the
   * lasting interest reading, plus writing when `write` (no system call when unchanged).
   */
  arm(fd: number, read: boolean, write: boolean): void;
  /** Removes `fd` from the interest set (idempotent; the fd may already be closed). */
  disarm(fd: number): void;
  /**
   * Forgets what is known of `fd`'s registration without a system call: the number may
   * now name another file (closed and reused behind the reactor's back), so the next
   * `arm` must make a real call.
   */
  reset(fd: number): void;
  /** Reports the descriptors ready now, without blocking, and returns their number. */
  pollNow(onReady: ReadyCallback): number;
  /**
   * Waits (off the main thread when the backend can) until a descriptor is ready or
   * {@link Poller.wake} is called, then reports. One wait at a time.
   */
  wait(onReady: ReadyCallback): Promise<void>;
  /** Ends the pending wait soon. */
  wake(): void;
}

const S = table.sys;
const POLLIN = S.POLLIN!;
const POLLOUT = S.POLLOUT!;
const POLLERR = S.POLLERR ?? 8;
const POLLHUP = S.POLLHUP ?? 16;
const EINTR = table.errno.EINTR!;

/**
 * The poll(2) fallback (see the module notes): one-shot interest kept in a map and
 * polled on the main thread.
 *
 * @example
 * ```ts
 * import { PollPoller } from "./poller.ts";
 * import { socketpair } from "../socket.ts";
 * const [a, b] = socketpair();
 * const p = new PollPoller();
 * p.arm(a.fileno(), false, true);
 * p.pollNow((fd, r, w) => console.log(fd, r, w)); // a's fd false true
 * a.close();
 * b.close();
 * ```
 */
export class PollPoller implements Poller {
  /** One-shot: interest ends with its report. */
  readonly edge: boolean = false;
  /** The backend's name. */
  readonly name: string = "poll";
  #interest = new Map<number, number>();
  #fds = new Uint8Array(0);
  #view = new DataView(this.#fds.buffer);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wakeup: (() => void) | undefined;

  /** Arms one-shot interest. */
  arm(fd: number, read: boolean, write: boolean): void {
    this.#interest.set(fd, (read ? POLLIN : 0) | (write ? POLLOUT : 0));
  }

  /** Removes `fd`. */
  disarm(fd: number): void {
    this.#interest.delete(fd);
  }

  /** Nothing to forget: poll(2) takes the descriptors afresh at each call. */
  reset(_fd: number): void {}

  /** Polls once with a zero timeout. */
  pollNow(onReady: ReadyCallback): number {
    const P = table.layouts.pollfd;
    const n = this.#interest.size;
    if (n === 0) return 0;
    if (this.#fds.length < n * P.size) {
      this.#fds = new Uint8Array(n * 2 * P.size);
      this.#view = new DataView(this.#fds.buffer);
    }
    const v = this.#view;
    let i = 0;
    for (const [fd, events] of this.#interest) {
      v.setInt32(i * P.size + P.fd, fd, true);
      v.setInt16(i * P.size + P.events, events, true);
      v.setInt16(i * P.size + P.revents, 0, true);
      i++;
    }
    const r = libc.poll(this.#fds, n, 0);
    if (r < 0) {
      const errno = ffi.errno();
      if (errno === EINTR) return 0;
      throw fromErrno(errno, "poll");
    }
    let reported = 0;
    for (i = 0; i < n && reported < r; i++) {
      const revents = v.getInt16(i * P.size + P.revents, true);
      if (revents === 0) continue;
      const fd = v.getInt32(i * P.size + P.fd, true);
      this.#interest.delete(fd);
      reported++;
      const bad = (revents & (POLLERR | POLLHUP)) !== 0 || (revents & ~(POLLIN | POLLOUT)) !== 0;
      onReady(fd, bad || (revents & POLLIN) !== 0, bad || (revents & POLLOUT) !== 0);
    }
    return reported;
  }

  /** Re-polls on a backing-off timer until something is ready or wake() is called. */
  wait(onReady: ReadyCallback): Promise<void> {
    return new Promise((resolve, reject) => {
      let delay = 0;
      const finish = () => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wakeup = undefined;
        resolve();
      };
      this.#wakeup = finish;
      const tick = () => {
        try {
          if (this.pollNow(onReady) > 0 || this.#interest.size === 0) return finish();
        } catch (e) {
          this.#wakeup = undefined;
          return reject(e);
        }
        delay = Math.min(8, delay === 0 ? 1 : delay * 2);
        this.#timer = setTimeout(tick, delay);
      };
      this.#timer = setTimeout(tick, 0);
    });
  }

  /** Ends the pending wait. */
  wake(): void {
    this.#wakeup?.();
  }
}
