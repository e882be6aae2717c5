/**
 * The kqueue backend of the reactor (macOS; the BSDs have the same calls).
 *
 * Interest is edge-triggered and lasting, as with epoll: a descriptor gets an EVFILT_READ
 * filter with EV_CLEAR once, and an EVFILT_WRITE filter (EV_ADD | EV_CLEAR) only while
 * an operation waits to write, deleted after (a datagram socket would report writability
 * at every sent packet). Each change is made with EV_RECEIPT, so every change reports
 * its own error: ENOENT on a delete is ignored (the filter was never there, or the
 * kernel dropped it when the descriptor was closed), anything else is raised. kqueue
 * forgets a descriptor's filters when it is closed, and EV_ADD of an existing filter
 * modifies it, so a descriptor reused behind the reactor's back needs only the next
 * `arm` to be a real call ({@link KqueuePoller.reset}).
 *
 * kqueue reports the two directions as two events. An EVFILT_READ event is readiness to
 * read (EV_EOF set when the peer has shut down its side: a read returns 0); an
 * EVFILT_WRITE event is readiness to write (EV_EOF: a write fails at once with the
 * error). EV_ERROR reports both directions, as EPOLLERR does.
 *
 * The wake-up is an EVFILT_USER event (macOS has no eventfd), added with EV_CLEAR and
 * fired with NOTE_TRIGGER. A main-thread zero-timeout poll that retrieves it (which
 * clears it) fires it again, so the blocking wait on the helper thread never loses it;
 * at worst that wait returns once for nothing.
 *
 * The layout of `struct kevent` (32 bytes, packed to 4 on macOS) and the EVFILT_/EV_
 * values come from the generated table. Written from the manual pages and XNU's
 * headers; untested until the suite runs on a Mac.
 *
 * @module
 */
import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";
import type { StructLayout } from "../constants/types.ts";
import { fromErrno } from "../errors.ts";
import { type Poller, type ReadyCallback, WAIT_LIMIT_MS } from "./poller.ts";

const EINTR = table.errno.EINTR!;
const ENOENT = table.errno.ENOENT!;
const EBADF = table.errno.EBADF!;

/** Events reported per kevent() wait. */
const MAX_EVENTS = 256;
/** The ident of the wake-up's EVFILT_USER event. */
const WAKE_IDENT = 0;

/** The kqueue values a {@link KqueueCodec} needs, from a platform table's `sys` section. */
export interface KqueueConstants {
  /** EVFILT_READ (-1 on macOS). */
  readonly EVFILT_READ: number;
  /** EVFILT_WRITE (-2). */
  readonly EVFILT_WRITE: number;
  /** EVFILT_USER (-10). */
  readonly EVFILT_USER: number;
  /** EV_ADD. */
  readonly EV_ADD: number;
  /** EV_DELETE. */
  readonly EV_DELETE: number;
  /** EV_CLEAR: edge-triggered. */
  readonly EV_CLEAR: number;
  /** EV_RECEIPT: every change reports its own result. */
  readonly EV_RECEIPT: number;
  /** EV_EOF. */
  readonly EV_EOF: number;
  /** EV_ERROR. */
  readonly EV_ERROR: number;
  /** NOTE_TRIGGER: fires an EVFILT_USER event. */
  readonly NOTE_TRIGGER: number;
}

/** One `struct kevent` as read back. */
export interface KEvent {
  /** The descriptor (or the user event's ident). */
  ident: number;
  /** EVFILT_*. */
  filter: number;
  /** EV_* flags. */
  flags: number;
  /** Filter flags (NOTE_*). */
  fflags: number;
  /** Filter data: for EV_ERROR, the errno of the change. */
  data: number;
}

/** What an event reported means for a descriptor: ready to read, to write, or the wake-up. */
export type Readiness = "read" | "write" | "both" | "wake";

/**
 * Writes and reads `struct kevent` records by a platform table's layout: a pure function
 * of the table (the tests run it against the darwin tables on Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { KqueueCodec } from "./kqueue.ts";
 * import { table } from "../constants/darwin_aarch64.ts";
 * const codec = KqueueCodec.of(table.sys, table.layouts.kevent!);
 * const buf = new Uint8Array(codec.size);
 * codec.write(new DataView(buf.buffer), 0, 7, codec.k.EVFILT_READ, codec.k.EV_ADD, 0);
 * assert.strictEqual(codec.read(new DataView(buf.buffer), 0).ident, 7);
 * ```
 */
export class KqueueCodec {
  /** `sizeof(struct kevent)`. */
  readonly size: number;

  /** Binds the codec to a layout of `struct kevent` and the kqueue values. */
  constructor(readonly k: KqueueConstants, readonly layout: StructLayout) {
    this.size = layout.size;
  }

  /** The codec of a table's `sys` values and `kevent` layout (TypeError if a value lacks). */
  static of(sys: Readonly<Record<string, number>>, layout: StructLayout): KqueueCodec {
    const names = [
      "EVFILT_READ",
      "EVFILT_WRITE",
      "EVFILT_USER",
      "EV_ADD",
      "EV_DELETE",
      "EV_CLEAR",
      "EV_RECEIPT",
      "EV_EOF",
      "EV_ERROR",
      "NOTE_TRIGGER",
    ] as const;
    const k: Record<string, number> = {};
    for (const name of names) {
      const value = sys[name];
      if (value === undefined) throw new TypeError(`socket: no ${name} in the constants table`);
      k[name] = value;
    }
    return new KqueueCodec(k as unknown as KqueueConstants, layout);
  }

  /** Writes record `index` of `view`: ident, filter, flags, fflags; data and udata 0. */
  write(
    view: DataView,
    index: number,
    ident: number,
    filter: number,
    flags: number,
    fflags: number,
  ): void {
    const L = this.layout;
    const base = index * this.size;
    for (let i = 0; i < this.size; i++) view.setUint8(base + i, 0);
    view.setBigUint64(base + L.ident, BigInt(ident), true);
    view.setInt16(base + L.filter, filter, true);
    view.setUint16(base + L.flags, flags, true);
    view.setUint32(base + L.fflags, fflags >>> 0, true);
  }

  /** Reads record `index` of `view`. */
  read(view: DataView, index: number): KEvent {
    const L = this.layout;
    const base = index * this.size;
    return {
      ident: Number(view.getBigUint64(base + L.ident, true)),
      filter: view.getInt16(base + L.filter, true),
      flags: view.getUint16(base + L.flags, true),
      fflags: view.getUint32(base + L.fflags, true),
      data: Number(view.getBigInt64(base + L.data, true)),
    };
  }

  /** What record `index` reports (see the module notes). */
  readiness(view: DataView, index: number): Readiness {
    const L = this.layout;
    const base = index * this.size;
    const filter = view.getInt16(base + L.filter, true);
    const flags = view.getUint16(base + L.flags, true);
    if (filter === this.k.EVFILT_USER) return "wake";
    if ((flags & this.k.EV_ERROR) !== 0) return "both";
    return filter === this.k.EVFILT_WRITE ? "write" : "read";
  }
}

/**
 * The kqueue poller: one kqueue, its EVFILT_USER wake-up, a change buffer with its
 * receipts, and two result buffers (the main thread's zero-timeout polls, and the
 * off-thread wait's).
 *
 * @example
 * ```ts ignore
 * import { KqueuePoller } from "./kqueue.ts";
 * import { socketpair } from "../socket.ts";
 * const [a, b] = socketpair();
 * const p = new KqueuePoller(); // macOS only
 * p.arm(a.fileno(), true, true);
 * p.pollNow((fd, r, w) => console.log(fd, r, w)); // a's fd false true
 * p.disarm(a.fileno());
 * a.close();
 * b.close();
 * ```
 */
export class KqueuePoller implements Poller {
  /** The backend's name. */
  readonly name: string = "kqueue";
  /** Edge-triggered, lasting interest. */
  readonly edge: boolean = true;
  readonly #kq: number;
  readonly #codec: KqueueCodec;
  /** Per descriptor: 0 not registered, 1 reading, 3 reading and writing. */
  readonly #registered: number[] = [];
  readonly #changes: Uint8Array;
  readonly #changesView: DataView;
  readonly #receipts: Uint8Array;
  readonly #receiptsView: DataView;
  readonly #syncBuf: Uint8Array;
  readonly #syncView: DataView;
  readonly #asyncBuf: Uint8Array;
  /** kevent on a helper thread of its own (see epoll.ts), woken at process exit. */
  readonly #waitAsync = ffi.dedicated("kevent_async", () => this.wake());
  readonly #asyncView: DataView;
  /** A zero `struct timespec` (two longs). */
  readonly #zero = new Uint8Array(2 * (table.sys.SIZEOF_LONG ?? 8));
  /** The blocking wait's timeout: none (NULL), or {@link WAIT_LIMIT_MS} in a Worker. */
  readonly #limit = WAIT_LIMIT_MS < 0 ? null : timespec(WAIT_LIMIT_MS);

  /** Creates the kqueue (close-on-exec) and registers its wake-up event. */
  constructor() {
    const layout = table.layouts.kevent;
    if (layout === undefined) throw new TypeError("socket: no struct kevent in the table");
    this.#codec = KqueueCodec.of(table.sys, layout);
    const size = layout.size;
    this.#changes = new Uint8Array(2 * size);
    this.#changesView = new DataView(this.#changes.buffer);
    this.#receipts = new Uint8Array(2 * size);
    this.#receiptsView = new DataView(this.#receipts.buffer);
    this.#syncBuf = new Uint8Array(MAX_EVENTS * size);
    this.#syncView = new DataView(this.#syncBuf.buffer);
    this.#asyncBuf = new Uint8Array(MAX_EVENTS * size);
    this.#asyncView = new DataView(this.#asyncBuf.buffer);
    const kq = libc.kqueue();
    if (kq < 0) throw fromErrno(ffi.errno(), "kqueue");
    this.#kq = kq;
    libc.fcntl(kq, table.sys.F_SETFD!, table.sys.FD_CLOEXEC!);
    const k = this.#codec.k;
    try {
      this.#change(0, WAKE_IDENT, k.EVFILT_USER, k.EV_ADD | k.EV_CLEAR);
      this.#submit(1, false);
    } catch (e) {
      libc.close(kq);
      throw e;
    }
  }

  /** Writes change `i` (with EV_RECEIPT) into the change buffer. */
  #change(i: number, ident: number, filter: number, flags: number): void {
    this.#codec.write(this.#changesView, i, ident, filter, flags | this.#codec.k.EV_RECEIPT, 0);
  }

  /**
   * Applies the first `n` changes of the change buffer; raises the first error of their
   * receipts other than ENOENT (a delete of what is not there), and EBADF when `closing`.
   */
  #submit(n: number, closing: boolean): void {
    const r = libc.kevent(this.#kq, this.#changes, n, this.#receipts, n, this.#zero);
    if (r < 0) throw fromErrno(ffi.errno(), "kevent");
    const { k, layout, size } = this.#codec;
    for (let i = 0; i < r; i++) {
      const base = i * size;
      if ((this.#receiptsView.getUint16(base + layout.flags, true) & k.EV_ERROR) === 0) continue;
      const errno = Number(this.#receiptsView.getBigInt64(base + layout.data, true));
      if (errno !== 0 && errno !== ENOENT && !(closing && errno === EBADF)) {
        throw fromErrno(errno, "kevent");
      }
    }
  }

  /**
   * Registers `fd` for reading, plus writing when `write` (`read` is implied: reading
   * interest lasts). No system call when the registration is already that.
   */
  arm(fd: number, _read: boolean, write: boolean): void {
    const want = write ? 3 : 1;
    const now = this.#registered[fd] ?? 0;
    if (now === want) return;
    const { k } = this.#codec;
    let n = 0;
    if (now === 0) this.#change(n++, fd, k.EVFILT_READ, k.EV_ADD | k.EV_CLEAR);
    if (write) this.#change(n++, fd, k.EVFILT_WRITE, k.EV_ADD | k.EV_CLEAR);
    else if (now === 3) this.#change(n++, fd, k.EVFILT_WRITE, k.EV_DELETE);
    try {
      this.#submit(n, false);
    } catch (e) {
      this.#registered[fd] = 0;
      throw e;
    }
    this.#registered[fd] = want;
  }

  /** Forgets `fd`'s registration (the next `arm` adds its filters again: EV_ADD modifies). */
  reset(fd: number): void {
    this.#registered[fd] = 0;
  }

  /** Deletes `fd`'s filters (ENOENT and EBADF ignored: a close already removed them). */
  disarm(fd: number): void {
    const now = this.#registered[fd] ?? 0;
    if (now === 0) return;
    this.#registered[fd] = 0;
    const { k } = this.#codec;
    this.#change(0, fd, k.EVFILT_READ, k.EV_DELETE);
    if (now === 3) this.#change(1, fd, k.EVFILT_WRITE, k.EV_DELETE);
    this.#submit(now === 3 ? 2 : 1, true);
  }

  /**
   * Reports the events in `view`. A main-thread poll that took the wake-up fires it
   * again (see the module notes).
   */
  #report(view: DataView, n: number, onReady: ReadyCallback, onThread: boolean): number {
    let reported = 0;
    let wake = false;
    for (let i = 0; i < n; i++) {
      const what = this.#codec.readiness(view, i);
      if (what === "wake") {
        wake = true;
        continue;
      }
      // The ident is a uintptr_t; a descriptor fits its low 32 bits (little-endian).
      const fd = view.getInt32(i * this.#codec.size + this.#codec.layout.ident, true);
      reported++;
      onReady(fd, what !== "write", what !== "read");
    }
    if (wake && !onThread) this.wake();
    return reported;
  }

  /** kevent() with a zero timeout on the main thread. */
  pollNow(onReady: ReadyCallback): number {
    const n = libc.kevent(this.#kq, null, 0, this.#syncBuf, MAX_EVENTS, this.#zero);
    if (n <= 0) {
      if (n < 0 && ffi.errno() !== EINTR) throw fromErrno(ffi.errno(), "kevent");
      return 0;
    }
    return this.#report(this.#syncView, n, onReady, false);
  }

  /**
   * kevent() on a helper thread, with no timeout (in a Worker: {@link WAIT_LIMIT_MS});
   * reports on the main thread.
   */
  async wait(onReady: ReadyCallback): Promise<void> {
    const n = await this.#waitAsync(this.#kq, null, 0, this.#asyncBuf, MAX_EVENTS, this.#limit);
    // errno of the helper thread is out of reach; a failed wait (EINTR) is simply retried
    // by the reactor.
    if (n > 0) this.#report(this.#asyncView, n, onReady, true);
  }

  /** Fires the EVFILT_USER event: the blocking wait returns. */
  wake(): void {
    const { k } = this.#codec;
    this.#codec.write(this.#changesView, 0, WAKE_IDENT, k.EVFILT_USER, 0, k.NOTE_TRIGGER);
    libc.kevent(this.#kq, this.#changes, 1, null, 0, this.#zero);
  }
}

/** A `struct timespec` of `ms` milliseconds (two longs, little-endian as both Mac CPUs). */
function timespec(ms: number): Uint8Array {
  const long = table.sys.SIZEOF_LONG ?? 8;
  const out = new Uint8Array(2 * long);
  const view = new DataView(out.buffer);
  const [sec, nsec] = [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
  if (long === 8) {
    view.setBigInt64(0, BigInt(sec), true);
    view.setBigInt64(8, BigInt(nsec), true);
  } else {
    view.setInt32(0, sec, true);
    view.setInt32(4, nsec, true);
  }
  return out;
}
