/**
 * The Windows poller: WSAPoll, with the one blocking wait on a helper thread of its own
 * (`ffi.dedicated("poll_async")`: a Worker under Node and Bun, Deno's blocking pool under
 * Deno), as epoll_wait is on Linux.
 *
 * WSAPoll takes its descriptor set at call time, so interest armed while a wait is in
 * flight is not seen by that wait: {@link WsaPollPoller.arm} then ends the wait (the
 * reactor starts the next one with the new set). The wake-up is a UDP socket on the
 * loopback address that sends itself one byte (Windows has no eventfd or pipe that
 * WSAPoll accepts); it sits in every wait's set and is drained after. It also ends the
 * wait in flight when the process exits, so that the helper thread cannot hold the exit.
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import { fromErrno } from "../errors.ts";
import { type Poller, type ReadyCallback, WAIT_LIMIT_MS } from "./poller.ts";

const C = table.constants;
const S = table.sys;
const POLLIN = S.POLLIN!;
const POLLOUT = S.POLLOUT!;
const POLLERR = S.POLLERR!;
const POLLHUP = S.POLLHUP!;
const P = table.layouts.pollfd;
const IN = table.layouts.sockaddr_in;

/** Fills `fds` with the entries of `interest` (plus `extra` first, when given); returns n. */
function fill(
  view: DataView,
  interest: Map<number, number>,
  extra: number,
): number {
  let i = 0;
  const put = (fd: number, events: number) => {
    const at = i * P.size;
    view.setBigUint64(at + P.fd, BigInt(fd), true);
    view.setInt16(at + P.events, events, true);
    view.setInt16(at + P.revents, 0, true);
    i++;
  };
  if (extra >= 0) put(extra, POLLIN);
  for (const [fd, events] of interest) put(fd, events);
  return i;
}

/**
 * The WSAPoll poller (one-shot interest, like poll(2)).
 *
 * @example
 * ```ts ignore
 * import { WsaPollPoller } from "./wsapoll.ts";
 * const p = new WsaPollPoller(); // on Windows only
 * ```
 */
export class WsaPollPoller implements Poller {
  /** One-shot: interest ends with its report. */
  readonly edge: boolean = false;
  /** The backend's name. */
  readonly name: string = "wsapoll";
  #interest = new Map<number, number>();
  /** What the in-flight wait watches (undefined: no wait in flight). */
  #watched: Map<number, number> | undefined;
  #now = new DataView(new ArrayBuffer(0));
  #waitBuf = new DataView(new ArrayBuffer(0));
  readonly #wakeFd: number;
  readonly #wakeAddr: Uint8Array;
  readonly #byte = new Uint8Array(1);
  #wakePending = false;
  readonly #waitAsync = ffi.dedicated("poll_async", () => this.wake());

  /** Makes the wake-up socket. */
  constructor() {
    const fd = libc.socket(C.AF_INET!, C.SOCK_DGRAM!, 0);
    if (fd < 0) throw fromErrno(ffi.errno(), "socket");
    const addr = new Uint8Array(IN.size);
    const v = new DataView(addr.buffer);
    v.setUint16(IN.sin_family, C.AF_INET!, true);
    v.setUint32(IN.sin_addr, 0x7f000001, false);
    const len = new Uint32Array([IN.size]);
    if (
      libc.bind(fd, addr, IN.size) < 0 ||
      libc.getsockname(fd, addr, new Uint8Array(len.buffer)) < 0 ||
      libc.fcntl(fd, S.F_SETFL!, S.O_NONBLOCK!) < 0
    ) {
      const errno = ffi.errno();
      libc.close(fd);
      throw fromErrno(errno, "wakeup socket");
    }
    this.#wakeFd = fd;
    this.#wakeAddr = addr;
  }

  /** Arms one-shot interest; ends an in-flight wait that does not watch it. */
  arm(fd: number, read: boolean, write: boolean): void {
    const events = (read ? POLLIN : 0) | (write ? POLLOUT : 0);
    this.#interest.set(fd, events);
    const watched = this.#watched?.get(fd);
    if (this.#watched !== undefined && (watched === undefined || (watched & events) !== events)) {
      this.wake();
    }
  }

  /** Removes `fd`. */
  disarm(fd: number): void {
    this.#interest.delete(fd);
  }

  /** Nothing to forget: WSAPoll takes the set afresh at each call. */
  reset(_fd: number): void {}

  #report(view: DataView, n: number, r: number, first: number, onReady: ReadyCallback): number {
    let reported = 0;
    for (let i = first; i < n && r > 0; i++) {
      const at = i * P.size;
      const revents = view.getInt16(at + P.revents, true);
      if (revents === 0) continue;
      r--;
      const fd = Number(view.getBigUint64(at + P.fd, true));
      const events = this.#interest.get(fd);
      if (events === undefined) continue; // disarmed meanwhile
      const bad = (revents & (POLLERR | POLLHUP)) !== 0 || (revents & ~(POLLIN | POLLOUT)) !== 0;
      const readable = bad || (revents & POLLIN) !== 0;
      const writable = bad || (revents & POLLOUT) !== 0;
      if (!((readable && (events & POLLIN)) || (writable && (events & POLLOUT)))) continue;
      this.#interest.delete(fd);
      reported++;
      onReady(fd, readable, writable);
    }
    return reported;
  }

  #room(view: DataView<ArrayBuffer>, n: number): DataView<ArrayBuffer> {
    return view.byteLength >= n * P.size ? view : new DataView(new ArrayBuffer(n * 2 * P.size));
  }

  /** Polls once with a zero timeout. */
  pollNow(onReady: ReadyCallback): number {
    const n = this.#interest.size;
    if (n === 0) return 0;
    this.#now = this.#room(this.#now, n);
    fill(this.#now, this.#interest, -1);
    const bytes = new Uint8Array(this.#now.buffer, 0, n * P.size);
    const r = libc.poll(bytes, n, 0);
    if (r < 0) throw fromErrno(ffi.errno(), "WSAPoll");
    return this.#report(this.#now, n, r, 0, onReady);
  }

  /**
   * Waits on a helper thread until a watched socket is ready, wake() is called, or (in a
   * Worker) WAIT_LIMIT_MS passed.
   */
  async wait(onReady: ReadyCallback): Promise<void> {
    const n = this.#interest.size + 1;
    this.#waitBuf = this.#room(this.#waitBuf, n);
    const view = this.#waitBuf;
    fill(view, this.#interest, this.#wakeFd);
    this.#watched = new Map(this.#interest);
    let r: number;
    try {
      if (this.#wakePending) r = 0; // woken before the wait began
      else {
        r = await this.#waitAsync(
          new Uint8Array(view.buffer, 0, n * P.size),
          n,
          WAIT_LIMIT_MS,
        );
      }
    } finally {
      this.#watched = undefined;
    }
    if (r < 0) throw fromErrno(ffi.errno(), "WSAPoll");
    this.#drain();
    if (r > 0) {
      const wakeReady = view.getInt16(P.revents, true) !== 0 ? 1 : 0;
      this.#report(view, n, r - wakeReady, 1, onReady);
    }
  }

  #drain(): void {
    this.#wakePending = false;
    while (libc.recv(this.#wakeFd, this.#byte, 1, 0) > 0) { /* empty the wake-ups */ }
  }

  /** Ends the pending (or the next) wait. */
  wake(): void {
    if (this.#wakePending) return;
    this.#wakePending = true;
    libc.sendto(this.#wakeFd, this.#byte, 1, 0, this.#wakeAddr, IN.size);
  }
}
