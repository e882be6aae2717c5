/**
 * The readiness backend interface of the reactor.
 *
 * A {@link Poller} knows descriptors and interest, nothing of sockets or
 * waiters. Implementations:
 *
 * - `EpollPoller` (epoll.ts, Linux): the default.
 * - `PollPoller` (poll.ts): poll(2), for platforms without epoll. It polls on the
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
import { ffi } from "../ffi/mod.ts";

/**
 * The longest a blocking wait lasts (ms; -1: no limit). On the main thread the process's
 * exit wakes the wait; a Worker that ends (`terminate()`, `close()`) runs no JavaScript
 * after, so nothing would wake its wait: it would hold a thread of Deno's pool forever, or
 * Node's `terminate()` would wait forever to join the helper thread. There the wait returns
 * within this bound, and the reactor starts it again while operations are pending.
 */
export const WAIT_LIMIT_MS: number = ffi.inWorker ? 100 : -1;

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
