/**
 * The poll(2) fallback of the reactor (see poller.ts's notes on the backends): one-shot
 * interest kept in a map and polled on the main thread.
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import { fromErrno } from "../errors.ts";
import type { Poller, ReadyCallback } from "./poller.ts";

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
 * import { PollPoller } from "./poll.ts";
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
