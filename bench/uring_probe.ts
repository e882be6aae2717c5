/**
 * A measured probe for an io_uring backend (bench/NOTES.md, "io_uring"): io_uring_setup and
 * the rings mmap'ed and read from JavaScript through FFI, then W2's one-process 64 B
 * ping-pong (two connected sockets, a sends, b echoes, a receives) three ways:
 *
 * - `blocking`: send(a), recv(b), send(b), recv(a): four FFI calls and four system calls per
 *   round trip, as the sync API makes them (W2's structure, on blocking sockets);
 * - `uring`: the four operations as one linked chain of submission entries (IOSQE_IO_LINK:
 *   each starts when the one before it completes), submitted and waited for with one
 *   io_uring_enter; the four completions reaped from the ring without a system call;
 * - `uring xK`: K round trips' chains per io_uring_enter (what a server with K ready
 *   connections would submit at once).
 *
 * Not wired into the reactor: this only says what such a backend would gain.
 *
 * ```sh
 * deno run -A bench/uring_probe.ts tcp 200000     # TCP loopback, as W2
 * deno run -A bench/uring_probe.ts unix 200000    # a socketpair
 * deno run -A bench/uring_probe.ts unix 200000 nolink   # the chains' entries not linked
 * ```
 *
 * bench/c/uring_probe.c is the same in C (the kernel's side, without the FFI).
 *
 * @module
 */
import * as socket from "../mod.ts";

const kind = Deno.args[0] ?? "tcp";
const n = Number(Deno.args[1] ?? 200000);
const MSG = 64;
/** Link each chain's entries (each starts when the one before completes). */
const LINK = Deno.args[2] !== "nolink";

// x86_64 and aarch64 share these syscall numbers (the unified table, since 5.1).
const SYS_io_uring_setup = 425n;
const SYS_io_uring_enter = 426n;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_FEAT_SINGLE_MMAP = 1;
const IORING_ENTER_GETEVENTS = 1;
const IORING_SETUP_COOP_TASKRUN = 1 << 8;
const IORING_SETUP_SINGLE_ISSUER = 1 << 12;
const IORING_SETUP_DEFER_TASKRUN = 1 << 13;
const IORING_OP_SEND = 26;
const IORING_OP_RECV = 27;
const IOSQE_IO_LINK = 1 << 2;
const PROT_READ_WRITE = 3;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const SQE_SIZE = 64;
const CQE_SIZE = 16;

const lib = Deno.dlopen("libc.so.6", {
  // syscall(2) bound twice with the two calls' own types (variadic in C: every argument
  // goes in a register, the number as a full 64-bit value).
  uring_setup: { name: "syscall", parameters: ["i64", "u32", "buffer"], result: "i64" },
  uring_enter: {
    name: "syscall",
    parameters: ["i64", "i32", "u32", "u32", "u32", "pointer", "usize"],
    result: "i64",
  },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
});
const L = lib.symbols;

function sockets(): [socket.socket, socket.socket, socket.socket | null] {
  if (kind === "unix") {
    const [a, b] = socket.socketpair();
    return [a, b, null];
  }
  const lst = socket.create_server(["127.0.0.1", 0]);
  const a = socket.create_connection(lst.getsockname() as [string, number]);
  const [b] = lst.accept();
  for (const s of [a, b]) s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  return [a, b, lst];
}

const addr = (v: Uint8Array): bigint => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(v)));

/** One io_uring: the three mappings viewed from JavaScript. */
class Ring {
  fd: number;
  sqHead: Uint32Array; // one-element views on the shared rings
  sqTail: Uint32Array;
  sqMask: number;
  sqArray: Uint32Array;
  cqHead: Uint32Array;
  cqTail: Uint32Array;
  cqMask: number;
  cqes: DataView;
  sqes: DataView;
  entries: number;
  flags = 0;

  constructor(entries: number) {
    const params = new Uint8Array(120);
    const p = new DataView(params.buffer);
    let fd = -1;
    // The cheapest mode first (completions run only when we ask: 6.1+), then plainer ones.
    for (
      const flags of [
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
      ]
    ) {
      params.fill(0);
      p.setUint32(8, flags, true);
      fd = Number(L.uring_setup(SYS_io_uring_setup, entries, params));
      if (fd >= 0) {
        this.flags = flags;
        break;
      }
    }
    if (fd < 0) throw new Error("io_uring_setup failed (not supported, or filtered)");
    this.fd = fd;
    const sqEntries = p.getUint32(0, true);
    const cqEntries = p.getUint32(4, true);
    const features = p.getUint32(20, true);
    const so = 40, co = 80; // io_sqring_offsets, io_cqring_offsets
    const sqSize = p.getUint32(so + 24, true) + sqEntries * 4;
    const cqSize = p.getUint32(co + 20, true) + cqEntries * CQE_SIZE;
    if (!(features & IORING_FEAT_SINGLE_MMAP)) throw new Error("no IORING_FEAT_SINGLE_MMAP");
    const size = Math.max(sqSize, cqSize);
    const rings = this.#map(size, IORING_OFF_SQ_RING);
    const u32 = (offset: number) => new Uint32Array(rings, offset, 1);
    this.sqHead = u32(p.getUint32(so + 0, true));
    this.sqTail = u32(p.getUint32(so + 4, true));
    this.sqMask = u32(p.getUint32(so + 8, true))[0];
    this.sqArray = new Uint32Array(rings, p.getUint32(so + 24, true), sqEntries);
    this.cqHead = u32(p.getUint32(co + 0, true));
    this.cqTail = u32(p.getUint32(co + 4, true));
    this.cqMask = u32(p.getUint32(co + 8, true))[0];
    this.cqes = new DataView(rings, p.getUint32(co + 20, true), cqEntries * CQE_SIZE);
    this.sqes = new DataView(this.#map(sqEntries * SQE_SIZE, IORING_OFF_SQES));
    this.entries = sqEntries;
  }

  #map(size: number, offset: number): ArrayBuffer {
    const ptr = L.mmap(
      null,
      BigInt(size),
      PROT_READ_WRITE,
      MAP_SHARED_POPULATE,
      this.fd,
      BigInt(offset),
    );
    if (ptr === null || Deno.UnsafePointer.value(ptr) === 0xffffffffffffffffn) {
      throw new Error("mmap of the io_uring failed");
    }
    return Deno.UnsafePointerView.getArrayBuffer(ptr, size);
  }

  /** Queues one send/recv entry (not yet visible to the kernel). */
  prep(op: number, fd: number, buf: bigint, len: number, link: boolean, data: number): void {
    const tail = this.sqTail[0] + this.pending;
    const i = tail & this.sqMask;
    const o = i * SQE_SIZE, s = this.sqes;
    s.setUint8(o, op);
    s.setUint8(o + 1, link ? IOSQE_IO_LINK : 0);
    s.setUint16(o + 2, 0, true);
    s.setInt32(o + 4, fd, true);
    s.setBigUint64(o + 8, 0n, true);
    s.setBigUint64(o + 16, buf, true);
    s.setUint32(o + 24, len, true);
    s.setUint32(o + 28, op === IORING_OP_SEND ? socket.MSG_NOSIGNAL! : 0, true);
    s.setUint32(o + 32, data, true); // user_data, low and high words
    s.setUint32(o + 36, 0, true);
    s.setBigUint64(o + 40, 0n, true);
    s.setBigUint64(o + 48, 0n, true);
    s.setBigUint64(o + 56, 0n, true);
    this.sqArray[i] = i;
    this.pending++;
  }
  pending = 0;

  /** Publishes the queued entries and waits for `wait` completions: one system call. */
  submitAndWait(wait: number): void {
    Atomics.store(this.sqTail, 0, this.sqTail[0] + this.pending);
    const count = this.pending;
    this.pending = 0;
    const r = Number(
      L.uring_enter(SYS_io_uring_enter, this.fd, count, wait, IORING_ENTER_GETEVENTS, null, 0n),
    );
    if (r < 0) throw new Error(`io_uring_enter failed`);
  }

  /** Reaps every completion in the ring (no system call); returns the sum of their results. */
  reap(): [count: number, sum: number] {
    let head = this.cqHead[0];
    const tail = Atomics.load(this.cqTail, 0);
    let sum = 0, count = 0;
    for (; head !== tail; head = (head + 1) >>> 0, count++) {
      const res = this.cqes.getInt32((head & this.cqMask) * CQE_SIZE + 8, true);
      if (res < 0) throw new Error(`operation failed: errno ${-res}`);
      sum += res;
    }
    Atomics.store(this.cqHead, 0, head);
    return [count, sum];
  }
}

function report(label: string, seconds: number, syscalls: number): void {
  console.log(
    `${label.padEnd(12)} ${(seconds * 1000).toFixed(0).padStart(6)} ms  ${
      Math.round(n / seconds).toLocaleString("en-US").padStart(9)
    } round trips/s  ${(seconds / n * 1e6).toFixed(2)} µs each  ${syscalls} system call(s) each`,
  );
}

const [a, b, lst] = sockets();
const fa = a.fileno(), fb = b.fileno();
const msg = new Uint8Array(MSG).fill(7);
const bufB = new Uint8Array(MSG);
const bufA = new Uint8Array(MSG);

function blocking(): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (Number(L.send(fa, msg, 64n, socket.MSG_NOSIGNAL!)) !== MSG) throw new Error("send");
    if (Number(L.recv(fb, bufB, 64n, 0)) !== MSG) throw new Error("recv");
    if (Number(L.send(fb, bufB, 64n, socket.MSG_NOSIGNAL!)) !== MSG) throw new Error("send");
    if (Number(L.recv(fa, bufA, 64n, 0)) !== MSG) throw new Error("recv");
  }
  return (performance.now() - t0) / 1000;
}

function uring(ring: Ring, batch: number): number {
  // One pair of buffers per chain in flight.
  const bufs = Array.from({ length: batch }, () => [new Uint8Array(MSG), new Uint8Array(MSG)]);
  const addrs = bufs.map(([x, y]) => [addr(x), addr(y)]);
  const msgAddr = addr(msg);
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    for (let j = 0; j < k; j++) {
      const [x, y] = addrs[j];
      ring.prep(IORING_OP_SEND, fa, msgAddr, MSG, LINK, 1);
      ring.prep(IORING_OP_RECV, fb, x, MSG, LINK, 2);
      ring.prep(IORING_OP_SEND, fb, x, MSG, LINK, 3);
      ring.prep(IORING_OP_RECV, fa, y, MSG, false, 4);
    }
    ring.submitAndWait(4 * k);
    const [count, sum] = ring.reap();
    if (count !== 4 * k || sum !== 4 * k * MSG) throw new Error(`short: ${count} ${sum}`);
  }
  return (performance.now() - t0) / 1000;
}

console.log(`# ${kind}, ${n.toLocaleString("en-US")} round trips of ${MSG} B, one process`);
let ring: Ring | null = null;
try {
  ring = new Ring(256);
} catch (e) {
  console.log(`io_uring unavailable: ${(e as Error).message}; blocking loop only`);
}
if (ring) {
  const modes: Record<number, string> = {
    [IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN]: "SINGLE_ISSUER|DEFER_TASKRUN",
    [IORING_SETUP_COOP_TASKRUN]: "COOP_TASKRUN",
    0: "default",
  };
  console.log(`# ring: ${ring.entries} entries, setup flags ${modes[ring.flags]}`);
}
// Warm up each path (JIT), then alternate them, best of three rounds.
const best: Record<string, number> = {};
const paths: [string, () => number, number][] = [["blocking", blocking, 4]];
if (ring) {
  const r = ring;
  paths.push(["uring", () => uring(r, 1), 1], ["uring x16", () => uring(r, 16), 1 / 16]);
}
for (let round = 0; round < 3; round++) {
  for (const [label, fn] of paths) {
    const t = fn();
    best[label] = Math.min(best[label] ?? Infinity, t);
  }
}
for (const [label, , calls] of paths) report(label, best[label], calls);
if (ring) {
  console.log(
    `# uring vs blocking: ${(best.blocking / best.uring).toFixed(2)}x; uring x16 vs blocking: ${
      (best.blocking / best["uring x16"]).toFixed(2)
    }x`,
  );
  L.close(ring.fd);
}
a.close();
b.close();
lst?.close();
