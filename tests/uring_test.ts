// The io_uring backend of the async byte operations (reactor/uring.ts): its ABI against the
// C header, the choice and the fallback (SOCKET_REACTOR, a refused io_uring_setup), and what
// is particular to submitting operations instead of waiting for readiness: cancellation of
// an operation in the ring, close with operations in the ring, a buffer detached while its
// receive is in the ring, bytes of an aborted receive kept, exit with an operation pending.
// This file asks for io_uring for its own process; where the kernel refuses it (or the
// runtime cannot view C memory), the in-process tests skip and say why.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as socket from "../mod.ts";
import { sock_recv, sock_recv_into, sock_sendall } from "../asyncio.ts";
import { getReactor, uringEngine } from "../reactor/mod.ts";
import { MAX_CHUNK, URING_ABI, uringUnavailable } from "../reactor/uring.ts";
import { libc } from "../ffi/mod.ts";
import { lastJson, Prng, runChild, runtime } from "./helpers/reliability_util.ts";
import { startWorker } from "./helpers/workers.ts";
import { scaled } from "./helpers/timing.ts";

// Before the first async operation of this process: the choice is made then, once.
process.env.SOCKET_REACTOR = "uring";

const linux = process.platform === "linux";
/** How long a step may take: generous, and scaled on slow machines (qemu: SOCKET_TEST_SLOWDOWN). */
const DEADLINE_MS = scaled(10_000);
const opts = () => ({ signal: AbortSignal.timeout(DEADLINE_MS) });
const filler = (n: number) => new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);

/** Why the in-process tests cannot run io_uring here, or null. */
function skipReason(): string | null {
  if (!linux) return "io_uring is Linux only";
  if (uringEngine() !== null) return null;
  return `io_uring not in use: ${uringUnavailable ?? "the reactor was made before this file"}`;
}

/** A test of the engine itself, skipped (with the reason printed) where it is not in use. */
function uringTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t) => {
    const why = skipReason();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      t.skip(why);
      return;
    }
    await fn();
  });
}

afterEach(async () => {
  if (!linux) return;
  const r = getReactor();
  await r.idle();
  assert.equal(r.pending, 0);
});

function pair(): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  b.setblocking(false);
  return [a, b];
}

test("the io_uring offsets and constants match <linux/io_uring.h>", (t) => {
  const header = "/usr/include/linux/io_uring.h";
  const cc = spawnSync("cc", ["--version"]);
  if (!linux || cc.error || spawnSync("test", ["-f", header]).status !== 0) {
    t.skip("needs Linux, cc and the kernel headers");
    return;
  }
  const A = URING_ABI;
  const checks: [string, number][] = [
    ["sizeof(struct io_uring_params)", A.params.size],
    ["offsetof(struct io_uring_params, sq_entries)", A.params.sq_entries],
    ["offsetof(struct io_uring_params, cq_entries)", A.params.cq_entries],
    ["offsetof(struct io_uring_params, flags)", A.params.flags],
    ["offsetof(struct io_uring_params, features)", A.params.features],
    ["offsetof(struct io_uring_params, sq_off)", A.params.sq_off],
    ["offsetof(struct io_uring_params, cq_off)", A.params.cq_off],
    ...Object.entries(A.sq_off).map(([k, v]) =>
      [`offsetof(struct io_sqring_offsets, ${k})`, v] as [string, number]
    ),
    ...Object.entries(A.cq_off).map(([k, v]) =>
      [`offsetof(struct io_cqring_offsets, ${k})`, v] as [string, number]
    ),
    ["sizeof(struct io_uring_sqe)", A.sqe.size],
    ["offsetof(struct io_uring_sqe, opcode)", A.sqe.opcode],
    ["offsetof(struct io_uring_sqe, flags)", A.sqe.flags],
    ["offsetof(struct io_uring_sqe, fd)", A.sqe.fd],
    ["offsetof(struct io_uring_sqe, off)", A.sqe.off],
    ["offsetof(struct io_uring_sqe, addr)", A.sqe.addr],
    ["offsetof(struct io_uring_sqe, len)", A.sqe.len],
    ["offsetof(struct io_uring_sqe, msg_flags)", A.sqe.msg_flags],
    ["offsetof(struct io_uring_sqe, user_data)", A.sqe.user_data],
    ["sizeof(struct io_uring_cqe)", A.cqe.size],
    ["offsetof(struct io_uring_cqe, user_data)", A.cqe.user_data],
    ["offsetof(struct io_uring_cqe, res)", A.cqe.res],
    ["offsetof(struct io_uring_cqe, flags)", A.cqe.flags],
    ["sizeof(struct io_uring_probe)", A.probe.size],
    ["offsetof(struct io_uring_probe, last_op)", A.probe.last_op],
    ["offsetof(struct io_uring_probe, ops_len)", A.probe.ops_len],
    ["offsetof(struct io_uring_probe, ops)", A.probe.ops],
    ["sizeof(struct io_uring_probe_op)", A.probe.op_size],
    ["offsetof(struct io_uring_probe_op, flags)", A.probe.op_flags],
  ];
  for (const [k, v] of Object.entries(A)) {
    if (typeof v === "number") checks.push([k, v]);
  }
  const dir = mkdtempSync(join(tmpdir(), "uring-abi-"));
  try {
    const src = join(dir, "abi.c");
    writeFileSync(
      src,
      `#include <stddef.h>\n#include <stdio.h>\n#include <linux/io_uring.h>\nint main(void) {\n${
        checks.map(([expr]) => `  printf("%ld\\n", (long)(${expr}));`).join("\n")
      }\n  return 0;\n}\n`,
    );
    const exe = join(dir, "abi");
    const built = spawnSync("cc", ["-o", exe, src], { encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    const out = spawnSync(exe, { encoding: "utf8" }).stdout.trim().split("\n").map(Number);
    checks.forEach(([expr, v], i) => assert.equal(v, out[i], expr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SOCKET_REACTOR chooses the backend; epoll when io_uring is forced off or refused", (t) => {
  if (!linux) {
    t.skip("io_uring is Linux only");
    return;
  }
  const off = lastJson<{ backend: string }>(
    runChild("uring_child", { args: ["backend"], env: { SOCKET_REACTOR: "epoll" } }),
  );
  assert.equal(off.backend, "epoll");
  const unset = lastJson<{ backend: string }>(
    runChild("uring_child", { args: ["backend"], env: { SOCKET_REACTOR: "" } }),
  );
  assert.equal(unset.backend, "epoll", "the default");
  const on = lastJson<{ backend: string; unavailable: string | null }>(
    runChild("uring_child", { args: ["backend"], env: { SOCKET_REACTOR: "uring" } }),
  );
  if (on.backend !== "uring") console.log(`io_uring unavailable here: ${on.unavailable}`);
  assert.ok(on.backend === "uring" || on.unavailable !== null);
  if (on.backend !== "uring") {
    // (qemu-user, for one, answers io_uring_setup with ENOSYS itself: nothing to inject into)
    console.log("io_uring unavailable anyway: the refused-setup case is not run");
    return;
  }
  // A kernel or seccomp profile that refuses io_uring (EPERM, as Docker's default does),
  // simulated with strace's fault injection: the epoll reactor, and the suite still works.
  if (spawnSync("strace", ["-V"]).error) {
    console.log("strace missing: the refused-setup case is not run");
    return;
  }
  const refused = lastJson<{ backend: string; unavailable: string | null }>(
    runChild("uring_child", {
      args: ["backend"],
      env: { SOCKET_REACTOR: "uring" },
      wrap: ["strace", "-f", "-o", "/dev/null", "-e", "inject=io_uring_setup:error=EPERM"],
    }),
  );
  assert.equal(refused.backend, "epoll");
  assert.match(refused.unavailable ?? "", /Operation not permitted|EPERM/);
});

test("a process with an operation in the ring exits at once on process.exit, and idles out", (t) => {
  if (!linux) {
    t.skip("io_uring is Linux only");
    return;
  }
  for (const mode of ["exit", "idle"]) {
    const t0 = performance.now();
    const r = runChild("uring_child", {
      args: [mode],
      env: { SOCKET_REACTOR: "uring" },
      timeoutMs: 30_000,
    });
    const ms = performance.now() - t0;
    assert.equal(r.status, 0, `${mode}: ${r.stderr}`);
    const report = lastJson<{ backend: string }>(r);
    // Generous: a runtime's own start-up; a hang would hit the 30 s timeout.
    assert.ok(ms < 15_000, `${mode}: took ${Math.round(ms)} ms`);
    if (mode === "exit" && report.backend === "uring") {
      assert.equal((report as unknown as { inRing: number }).inRing >= 1, true);
    }
  }
});

uringTest("round trips, a receive of more than a staging slot, sendall in chunks", async () => {
  const [a, b] = pair();
  try {
    const engine = uringEngine()!;
    const enters = engine.stats.enters;
    await sock_sendall(a, new TextEncoder().encode("ping"), opts());
    assert.equal(new TextDecoder().decode(await sock_recv(b, 100, opts())), "ping");
    assert.ok(engine.stats.enters > enters, "the ring was entered");
    // 1 MiB: 16 chunks of MAX_CHUNK through one staging slot, read back in order.
    const big = filler(1 << 20);
    const sent = sock_sendall(a, big, opts());
    const got = new Uint8Array(big.length);
    let n = 0;
    while (n < big.length) {
      const r = await sock_recv_into(b, got.subarray(n), opts());
      assert.ok(r > 0 && r <= MAX_CHUNK, `a receive returns at most a slot: ${r}`);
      n += r;
    }
    await sent;
    assert.deepEqual(got, big);
  } finally {
    a.close();
    b.close();
  }
});

uringTest("operations of one direction complete in the order they were started", async () => {
  const [a, b] = pair();
  try {
    const reads = [1, 2, 3].map(() => sock_recv(b, 1, opts()));
    const writes = [1, 2, 3].map((i) => sock_sendall(a, new Uint8Array([i]), opts()));
    await Promise.all(writes);
    assert.deepEqual((await Promise.all(reads)).map((x) => x[0]), [1, 2, 3]);
  } finally {
    a.close();
    b.close();
  }
});

uringTest(
  "an aborted receive in the ring rejects with the reason; the socket stays usable",
  async () => {
    const [a, b] = pair();
    try {
      const ac = new AbortController();
      const p = sock_recv(b, 10, { signal: ac.signal });
      // Let it reach the ring and the helper thread's wait.
      while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
      assert.ok(uringEngine()!.inRing >= 1);
      ac.abort(new Error("stop"));
      await assert.rejects(p, /stop/);
      a.send(new Uint8Array([9]));
      assert.deepEqual(await sock_recv(b, 10, opts()), new Uint8Array([9]));
    } finally {
      a.close();
      b.close();
    }
  },
);

uringTest("a receive aborted before the ring is entered leaves the bytes to the next", async () => {
  const [a, b] = pair();
  try {
    const ac = new AbortController();
    const p = sock_recv(b, 10, { signal: ac.signal });
    a.send(new Uint8Array([1, 2, 3]));
    // Aborted before the ring is entered: the receive is taken back, the bytes stay queued.
    ac.abort(new Error("late"));
    await assert.rejects(p, /late/);
    assert.deepEqual(await sock_recv(b, 10, opts()), new Uint8Array([1, 2, 3]));
  } finally {
    a.close();
    b.close();
  }
});

uringTest("a receive queued behind an aborted one starts", async () => {
  const [a, b] = pair();
  try {
    const ac = new AbortController();
    const first = sock_recv(b, 10, { signal: ac.signal });
    const second = sock_recv(b, 10, opts());
    ac.abort(new Error("first"));
    await assert.rejects(first, /first/);
    a.send(new Uint8Array([4]));
    assert.deepEqual(await second, new Uint8Array([4]));
  } finally {
    a.close();
    b.close();
  }
});

uringTest(
  "close fails the operations in the ring with EBADF and the peer sees the close",
  async () => {
    const [a, b] = pair();
    const ebadf = (e: unknown) => e instanceof socket.OSError && e.errno === socket.EBADF;
    // A send that cannot complete: more than the socket buffers hold, nobody reading.
    b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
    const recv = sock_recv(b, 10);
    const send = sock_sendall(b, filler(4 << 20));
    while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
    const number = b.fileno();
    b.close();
    await assert.rejects(recv, ebadf);
    await assert.rejects(send, ebadf);
    // The ring dropped its file: the peer gets the bytes sent, then end of file.
    a.setblocking(true);
    a.settimeout(DEADLINE_MS / 1000);
    let total = 0;
    for (let r; (r = a.recv(1 << 16).length) !== 0;) total += r;
    assert.ok(total < 4 << 20);
    // The number is free for the next socket, which works through the ring as usual.
    const [c, d] = pair();
    try {
      assert.ok([c.fileno(), d.fileno()].includes(number));
      await sock_sendall(c, new Uint8Array([5]), opts());
      assert.deepEqual(await sock_recv(d, 10, opts()), new Uint8Array([5]));
    } finally {
      a.close();
      c.close();
      d.close();
    }
  },
);

uringTest(
  "a buffer detached while its receive is in the ring: RangeError, no byte lost",
  async () => {
    const [a, b] = pair();
    try {
      const buf = new Uint8Array(64);
      const p = sock_recv_into(b, buf, opts());
      while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
      structuredClone(buf.buffer, { transfer: [buf.buffer] });
      a.send(filler(40));
      await assert.rejects(
        p,
        (e: unknown) => e instanceof RangeError && /detached/.test(e.message),
      );
      assert.deepEqual(await sock_recv(b, 100, opts()), filler(40));
    } finally {
      a.close();
      b.close();
    }
  },
);

uringTest("a buffer detached during sendall: RangeError with bytes_sent", async () => {
  const [a, b] = pair();
  try {
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
    const data = filler(4 << 20);
    const p = sock_sendall(a, data, opts());
    while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
    structuredClone(data.buffer, { transfer: [data.buffer] });
    // Drain: the chunk in the ring completes, the next finds the buffer gone.
    let got = 0;
    const drained = (async () => {
      for (let r; (r = (await sock_recv(b, 1 << 16, opts())).length) !== 0;) got += r;
    })();
    const e = await p.then(() => null, (e) => e);
    assert.ok(e instanceof RangeError && /detached/.test(e.message), String(e));
    const sent = (e as unknown as { bytes_sent: number }).bytes_sent;
    a.shutdown(socket.SHUT_WR);
    await drained;
    assert.equal(got, sent, "the peer got exactly bytes_sent");
  } finally {
    a.close();
    b.close();
  }
});

uringTest(
  "a descriptor closed behind the module's back and reused: its entries reach no other socket",
  async () => {
    const [a, b] = pair();
    const number = a.fileno();
    // A receive and a send whose entries are written but not yet submitted (the ring is
    // entered at the next pump turn), then the number closed and given to a new socket.
    const recv = sock_recv(a, 100);
    const send = sock_sendall(a, new TextEncoder().encode("secret"));
    libc.close(number);
    const [c, d] = pair();
    const [mine, peer] = c.fileno() === number ? [c, d] : [d, c];
    try {
      assert.equal(mine.fileno(), number);
      peer.send(new TextEncoder().encode("fresh"));
      const ebadf = (e: unknown) => e instanceof socket.OSError && e.errno === socket.EBADF;
      await assert.rejects(recv, ebadf);
      await assert.rejects(send, ebadf);
      // The new socket's bytes are its own; nothing of the old socket's reached its peer.
      assert.equal(new TextDecoder().decode(await sock_recv(mine, 100, opts())), "fresh");
      assert.throws(() => peer.recv(100), socket.BlockingIOError);
    } finally {
      a.detach();
      b.close();
      c.close();
      d.close();
    }
  },
);

uringTest(
  "detach with a receive in the ring: EBADF, and the next owner gets every byte",
  async () => {
    const [a, b] = pair();
    let c: socket.socket | undefined;
    try {
      const old = sock_recv(b, 10);
      while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
      c = new socket.socket(null, null, null, b.detach());
      c.setblocking(false);
      await assert.rejects(
        old,
        (e: unknown) => e instanceof socket.OSError && e.errno === socket.EBADF,
      );
      a.send(new Uint8Array([1, 2]));
      assert.deepEqual(await sock_recv(c, 10, opts()), new Uint8Array([1, 2]));
    } finally {
      a.close();
      c?.close();
    }
  },
);

uringTest("staging slots come back after every way an operation ends", async () => {
  const engine = uringEngine()!;
  const [a, b] = pair();
  try {
    // A buffer detached between two chunks of a sendall.
    for (let i = 0; i < 3; i++) {
      const data = filler(2 * MAX_CHUNK);
      const p = sock_sendall(a, data, opts());
      structuredClone(data.buffer, { transfer: [data.buffer] });
      await assert.rejects(p, RangeError);
      let got = 0;
      while (got < MAX_CHUNK) got += (await sock_recv(b, MAX_CHUNK, opts())).length;
    }
    await getReactor().idle();
    assert.equal(engine.stagingInUse, 0);
  } finally {
    a.close();
    b.close();
  }
});

uringTest("more operations in flight than CQ entries: no completion lost", async () => {
  // Every socket of 1,100 pairs with a receive and a send in the ring: 4,400 completions,
  // more than the CQ holds (4,096), most of them made in one enter.
  const pairs = Array.from({ length: 1100 }, () => pair());
  try {
    const recvs = pairs.flatMap(([a, b]) => [sock_recv(a, 10, opts()), sock_recv(b, 10, opts())]);
    const sends = pairs.flatMap(([a, b], i) => [
      sock_sendall(a, new Uint8Array([i & 0xff, 1]), opts()),
      sock_sendall(b, new Uint8Array([i & 0xff, 2]), opts()),
    ]);
    await Promise.all(sends);
    const got = await Promise.all(recvs);
    pairs.forEach((_, i) => {
      assert.deepEqual(got[2 * i], new Uint8Array([i & 0xff, 2]));
      assert.deepEqual(got[2 * i + 1], new Uint8Array([i & 0xff, 1]));
    });
    assert.equal(uringEngine()!.stagingInUse, 0);
  } finally {
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  }
});

uringTest("random receives, aborts and sends: every byte arrives once, in order", async () => {
  const engine = uringEngine()!;
  const rng = new Prng(0x5eed);
  const pairs = Array.from({ length: 6 }, () => pair());
  const sent = pairs.map(() => 0);
  const seen: number[][] = pairs.map(() => []);
  const sends: Promise<unknown>[][] = pairs.map(() => []);
  const work: Promise<unknown>[] = [];
  try {
    for (let step = 0; step < 1500; step++) {
      const k = rng.int(pairs.length);
      const [a, b] = pairs[k];
      if (rng.chance(0.4)) {
        const n = 1 + rng.int(rng.chance(0.1) ? 3 * MAX_CHUNK : 300);
        const data = new Uint8Array(n).map((_, i) => (sent[k] + i) & 0xff);
        sent[k] += n;
        sends[k].push(sock_sendall(a, data, opts()));
      } else {
        const ac = new AbortController();
        const into = rng.chance(0.5);
        const size = 1 + rng.int(rng.chance(0.2) ? 2 * MAX_CHUNK : 500);
        const buf = new Uint8Array(size);
        const p = into
          ? sock_recv_into(b, buf, { signal: ac.signal }).then((r) => buf.subarray(0, r))
          : sock_recv(b, size, { signal: ac.signal });
        work.push(p.then((got) => seen[k].push(...got), () => {}));
        if (rng.chance(0.5)) {
          const hops = rng.int(12);
          (async () => {
            for (let i = 0; i < hops; i++) await null;
            ac.abort(new Error("abort"));
          })();
        }
      }
      if (rng.chance(0.05)) await new Promise((r) => setTimeout(r, 0));
    }
    // Each sender ends its stream once its sends are done; the receivers read to the end
    // (receives complete in the order they were started: the drain's come last).
    await Promise.all(pairs.map(async ([a, b], k) => {
      const drained = (async () => {
        for (let got; (got = await sock_recv(b, MAX_CHUNK, opts())).length !== 0;) {
          seen[k].push(...got);
        }
      })();
      await Promise.all(sends[k]);
      a.shutdown(socket.SHUT_WR);
      await drained;
    }));
    await Promise.all(work);
    for (const k of pairs.keys()) {
      assert.equal(seen[k].length, sent[k]);
      seen[k].forEach((v, i) => {
        if (v !== (i & 0xff)) assert.fail(`pair ${k}: byte ${i} is ${v}`);
      });
    }
    await getReactor().idle();
    assert.equal(engine.stagingInUse, 0);
  } finally {
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  }
});

test("a Worker that ends with a receive pending leaves the socket closable", async (t) => {
  if (!linux) {
    t.skip("io_uring is Linux only");
    return;
  }
  if (process.env.SOCKET_TEST_UNDER_QEMU === "1") {
    // Seen on 2026-12-02: past 5 minutes under qemu-user, not diagnosed; io_uring is ENOSYS
    // there, and workers_test covers Workers under qemu.
    const why = "hangs under qemu-user (not diagnosed); io_uring is unavailable there anyway";
    console.log(`skipped: ${why}`);
    t.skip(why);
    return;
  }
  // The Worker (same SOCKET_REACTOR) echoes a socket handed to it as a number; it ends
  // with its next receive pending. The descriptor closed here then closes the connection:
  // no ring of the ended Worker holds the file (its thread's exit cancels no request).
  const [a, b] = socket.socketpair();
  const fd = a.detach();
  const w = startWorker();
  try {
    w.send({ cmd: "echo", fd });
    b.settimeout(DEADLINE_MS / 1000);
    b.sendall(new Uint8Array([1]));
    assert.deepEqual(b.recv(10), new Uint8Array([1]));
  } finally {
    await w.terminate();
  }
  socket.close(fd);
  try {
    assert.deepEqual(b.recv(10), new Uint8Array(0), "the peer sees the close");
  } finally {
    b.close();
  }
});

test("an enter that fails when the SQ is full overwrites no entry", (t) => {
  if (!linux || spawnSync("strace", ["-V"]).error) {
    t.skip("needs Linux and strace");
    return;
  }
  // The first io_uring_enter, made when 1,100 sends fill the 1,024 entries, fails (EINTR).
  const r = lastJson<{ backend: string; sent: number; right: number }>(
    runChild("uring_child", {
      args: ["sqfull"],
      env: { SOCKET_REACTOR: "uring", UV_USE_IO_URING: "0" },
      wrap: ["strace", "-o", "/dev/null", "-e", "inject=io_uring_enter:error=EINTR:when=1"],
      timeoutMs: 60_000,
    }),
  );
  if (r.backend !== "uring") {
    t.skip("io_uring not in use");
    return;
  }
  assert.deepEqual([r.sent, r.right], [1100, 1100]);
});

test("a ring setup that fails part way leaves no mapping and no descriptor", (t) => {
  if (!linux || spawnSync("strace", ["-V"]).error) {
    t.skip("needs Linux and strace");
    return;
  }
  // The second io_uring_register (the eventfd's) fails: the rings are mapped by then.
  const r = lastJson<{ backend: string; unavailable: string | null; maps: number; fds: number }>(
    runChild("uring_child", {
      args: ["leaks"],
      env: { SOCKET_REACTOR: "uring" },
      wrap: ["strace", "-o", "/dev/null", "-e", "inject=io_uring_register:error=ENOMEM:when=2"],
    }),
  );
  assert.equal(r.backend, "epoll");
  assert.match(r.unavailable ?? "", /Cannot allocate memory|ENOMEM/);
  assert.equal(r.maps, 0, "io_uring mappings left");
  assert.equal(r.fds, 0, "io_uring descriptors left");
});

uringTest("0 bytes: sock_recv and sock_recv_into resolve at once (not submitted)", async () => {
  const [a, b] = pair();
  try {
    assert.deepEqual(await sock_recv(b, 0, opts()), new Uint8Array(0));
    assert.equal(await sock_recv_into(b, new Uint8Array(0), opts()), 0);
  } finally {
    a.close();
    b.close();
  }
});

if (runtime !== "deno") {
  // Node and Bun: the engine needs the backend's view of C memory (ffi.view).
  test("io_uring on this runtime", () => {
    console.log(`io_uring on ${runtime}: ${skipReason() ?? "in use"}`);
  });
}
