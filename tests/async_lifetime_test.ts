// Operations that outlive their call (asyncio.ts, reactor/mod.ts): the buffer may be
// resized, detached or shared while an operation waits, the descriptor number may change
// hands, and the socket may be switched to blocking or timeout mode. Every attempt the
// reactor makes must use the buffer as it is then, lose no data, and never block.
import { afterEach } from "node:test";
import { testUnlessWindows } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import * as socket from "../mod.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  sock_accept,
  sock_recv,
  sock_recv_into,
  sock_recvfrom,
  sock_recvfrom_into,
  sock_sendall,
  sock_sendfile,
  sock_sendmsg,
  sock_sendto,
} from "../asyncio.ts";
import { getReactor } from "../reactor/mod.ts";
import { libc } from "../ffi/mod.ts";

const test = testUnlessWindows(
  "the tests use AF_UNIX socket pairs (Wine answers WSAEAFNOSUPPORT; real Windows has them)",
);

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Long enough for a loaded machine; turns a lost wake-up into a failure, not a hang. */
const DEADLINE_MS = 10_000;
const opts = () => ({ signal: AbortSignal.timeout(DEADLINE_MS) });

afterEach(async () => {
  const r = getReactor();
  await r.idle();
  assert.equal(r.pending, 0);
});

function pair(type = socket.SOCK_STREAM): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair(socket.AF_UNIX, type);
  a.setblocking(false);
  b.setblocking(false);
  return [a, b];
}

const filler = (n: number) => new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);

/** Ways to detach a buffer on this runtime (transfer() is missing before Node 21). */
const detachers: [string, (b: ArrayBuffer) => void][] = [
  ["structuredClone transfer", (b) => void structuredClone(b, { transfer: [b] })],
];
if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function") {
  detachers.push([
    "ArrayBuffer.prototype.transfer",
    (b) => void (b as unknown as { transfer(): ArrayBuffer }).transfer(),
  ]);
}

/** A resizable buffer of `length` bytes (up to `max`). */
function resizable(length: number, max: number): ArrayBuffer {
  return new ArrayBuffer(length, { maxByteLength: max });
}

/** Receives what `s` holds now (non-blocking), up to `limit` bytes. */
function drain(s: socket.socket, limit = 1 << 24): number {
  let got = 0;
  for (;;) {
    try {
      const n = s.recv(65536).length;
      if (n === 0) return got;
      got += n;
      if (got >= limit) return got;
    } catch (e) {
      if (e instanceof socket.BlockingIOError) return got;
      throw e;
    }
  }
}

/** Whether `e` is the RangeError of a buffer resized or detached while pending. */
function gone(how: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof RangeError, `expected RangeError, got ${e}`);
    assert.match(e.message, how);
    return true;
  };
}

/**
 * Sets SO_RCVTIMEO and SO_SNDTIMEO: a blocking receive, accept, send or sendfile gives up
 * after `seconds` (so that the old code's blocking attempts end, and the test fails).
 */
function receiveTimeout(s: socket.socket, seconds: number): void {
  const tv = new Uint8Array(16); // struct timeval { time_t tv_sec; suseconds_t tv_usec }
  new DataView(tv.buffer).setBigInt64(0, BigInt(seconds), true);
  s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv);
  s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv);
}

/** Receives from `b` until `done` settles; the byte count. */
async function drainUntil(b: socket.socket, done: Promise<unknown>): Promise<number> {
  let settled = false;
  done.then(() => settled = true, () => settled = true);
  let got = 0;
  while (!settled) {
    got += drain(b);
    await new Promise((r) => setTimeout(r, 1));
  }
  return got + drain(b);
}

test("sock_recv_into: a buffer shrunk while pending is refused and the datagram kept", async () => {
  const [a, b] = pair(socket.SOCK_DGRAM);
  try {
    // a length-tracking view, a fixed view left out of bounds, a DataView (copied to bytes)
    const makers: [string, (ab: ArrayBuffer) => ArrayBufferView][] = [
      ["length-tracking view", (ab) => new Uint8Array(ab)],
      ["fixed view", (ab) => new Uint8Array(ab, 0, 256)],
      ["DataView", (ab) => new DataView(ab, 8, 200)],
    ];
    for (const [what, make] of makers) {
      const ab = resizable(256, 1024);
      const view = make(ab);
      const p = sock_recv_into(b, view, opts());
      assert.equal(getReactor().pending, 1, `${what}: pending`);
      ab.resize(16);
      a.send(filler(200));
      await assert.rejects(
        p,
        gone(/recv_into\(\): the buffer shrank \(the view holds \d+ of its \d+ bytes\)/),
        what,
      );
      assert.deepEqual(b.recv(1000), filler(200), `${what}: the datagram was kept`);
    }
  } finally {
    a.close();
    b.close();
  }
});

test("sock_recv_into / sock_recvfrom_into: a detached buffer is refused, the datagram kept", async () => {
  const [a, b] = pair(socket.SOCK_DGRAM);
  try {
    for (const [how, detach] of detachers) {
      for (const into of [false, true]) {
        const buf = new Uint8Array(64);
        const p = into
          ? sock_recvfrom_into(b, buf, 0, opts()).then(([n]) => n)
          : sock_recv_into(b, buf, opts());
        assert.equal(getReactor().pending, 1);
        detach(buf.buffer);
        a.send(filler(40));
        const name = into ? "recvfrom_into" : "recv_into";
        await assert.rejects(p, gone(new RegExp(`${name}\\(\\): the buffer was detached`)), how);
        assert.deepEqual(b.recv(100), filler(40), `${how}: the datagram was kept`);
      }
    }
  } finally {
    a.close();
    b.close();
  }
});

test("a buffer resized while pending but still holding the call's bytes is used as it is", async () => {
  const [a, b] = pair(socket.SOCK_DGRAM);
  try {
    const ab = resizable(64, 4096);
    const fixed = new Uint8Array(ab, 8, 32);
    const p = sock_recv_into(b, fixed, opts());
    ab.resize(48); // still covers the view [8, 40)
    a.send(filler(100));
    assert.equal(await p, 32);
    assert.deepEqual(fixed, filler(32));
    const tracking = new Uint8Array(ab); // 48 bytes
    const q = sock_recvfrom_into(b, tracking, 20, opts());
    ab.resize(4096); // grown: the call still asked for 20
    a.send(filler(100));
    assert.equal((await q)[0], 20);
    assert.deepEqual(tracking.subarray(0, 20), filler(20));
    assert.ok(tracking.subarray(20, 48).every((x, i) => x === (i < 20 ? filler(32)[i + 12] : 0)));
  } finally {
    a.close();
    b.close();
  }
});

test("nbytes of sock_recvfrom_into past the shrunk buffer is refused", async () => {
  const [a, b] = pair(socket.SOCK_DGRAM);
  try {
    const ab = resizable(100, 100);
    const p = sock_recvfrom_into(b, new Uint8Array(ab), 80, opts());
    ab.resize(79);
    a.send(filler(90));
    await assert.rejects(p, gone(/shrank \(the view holds 79 of its 80 bytes\)/));
    assert.deepEqual(b.recv(100), filler(90));
  } finally {
    a.close();
    b.close();
  }
});

test("sock_sendall: a buffer detached or shrunk while pending rejects, saying how much was sent", async () => {
  const kinds: [string, () => [Uint8Array, () => void]][] = detachers.map(([how, detach]) => [
    how,
    () => {
      const data = filler(1 << 20);
      return [data, () => detach(data.buffer as ArrayBuffer)];
    },
  ]);
  kinds.push(["resize", () => {
    const ab = resizable(1 << 20, 1 << 20);
    const data = new Uint8Array(ab);
    data.set(filler(1 << 20));
    return [data, () => ab.resize(1000)];
  }]);
  for (const [how, make] of kinds) {
    const [a, b] = pair();
    try {
      a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
      const [data, spoil] = make();
      const p = sock_sendall(a, data, opts());
      assert.equal(getReactor().pending, 1, `${how}: pending after a partial send`);
      spoil();
      // Make room: the next attempt sees the buffer and rejects before sending more.
      const received = await drainUntil(b, p);
      const error = await p.then(() => null, (e) => e);
      assert.ok(error instanceof RangeError, `${how}: ${error}`);
      const sent = (error as RangeError & { bytes_sent: number }).bytes_sent;
      assert.equal(typeof sent, "number");
      assert.equal(sent, received, `${how}: bytes_sent is what the peer got`);
      assert.ok(sent > 0 && sent < 1 << 20, `${how}: sent ${sent}`);
      assert.match((error as Error).message, new RegExp(`${sent} of ${1 << 20} bytes were sent`));
    } finally {
      a.close();
      b.close();
    }
  }
});

test("sock_sendto / sock_sendmsg: a buffer detached or shrunk while pending sends nothing", async () => {
  // Unix datagram sockets with names: sendto needs an address, and a connected sender
  // waits for room in its peer's queue.
  const tag = `${Date.now()}-${Math.random()}`;
  const name = (side: string) => enc.encode(`\0socket-lifetime-${tag}-${side}`);
  using r = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  r.bind(name("r"));
  r.setblocking(false);
  using s = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  s.bind(name("s"));
  s.connect(name("r"));
  s.setblocking(false);
  let queued = 0;
  for (;;) {
    try {
      s.send(new Uint8Array([1]));
      queued++;
    } catch (e) {
      assert.ok(e instanceof socket.BlockingIOError);
      break;
    }
  }
  const [how, detach] = detachers[0];
  const data = filler(50);
  const p = sock_sendto(s, data, name("r"), opts());
  const ab = resizable(30, 30);
  new Uint8Array(ab).set(filler(30));
  const q = sock_sendmsg(s, [filler(5), new Uint8Array(ab)], [], 0, null, opts());
  assert.equal(getReactor().pending, 2);
  detach(data.buffer as ArrayBuffer);
  ab.resize(10);
  for (let i = 0; i < queued; i++) assert.equal(r.recv(10).length, 1); // room again
  await assert.rejects(p, gone(/sendto\(\): the buffer was detached/), how);
  await assert.rejects(
    q,
    gone(/sendmsg\(\): the buffer shrank \(the view holds 0 of its 30 bytes\)/),
  );
  assert.throws(() => r.recv(100), socket.BlockingIOError); // nothing was sent
});

test("a SharedArrayBuffer view: used as it is at each attempt (it may only grow)", async (t) => {
  const [a, b] = pair(socket.SOCK_DGRAM);
  try {
    const growable = new SharedArrayBuffer(16, { maxByteLength: 256 }) as SharedArrayBuffer & {
      grow?(n: number): void;
    };
    const view = new Uint8Array(growable);
    const p = sock_recv_into(b, view, opts());
    if (typeof growable.grow === "function") growable.grow(256);
    else t.diagnostic("no growable SharedArrayBuffer on this runtime");
    a.send(filler(100));
    // The call asked for 16 bytes: a growth does not widen it.
    assert.equal(await p, 16);
    assert.deepEqual(view.subarray(0, 16), filler(16));
    const shared = new Uint8Array(new SharedArrayBuffer(64)).subarray(8, 40);
    const q = sock_sendall(a, shared.fill(9), opts());
    await q;
    assert.deepEqual(b.recv(100), new Uint8Array(32).fill(9));
  } finally {
    a.close();
    b.close();
  }
});

test("a number that changes hands fails the operations queued by its earlier socket (EBADF)", async () => {
  const [a, b] = pair();
  const old = sock_recv(b, 8, opts());
  const oldWrite = sock_sendall(b, new Uint8Array(1 << 22), opts()).catch((e) => e);
  await new Promise((r) => setTimeout(r, 20)); // registered; the reactor waits
  const number = b.fileno();
  libc.close(number); // bypasses socket.close(): the reactor does not hear of it
  const [c, d] = pair(); // the lowest free numbers: one of them is b's
  const reused = [c, d].find((s) => s.fileno() === number);
  assert.ok(reused !== undefined, `descriptor ${number} was not reused`);
  const peer = reused === c ? d : c;
  const fresh = sock_recv(reused, 8, opts());
  await assert.rejects(old, (e) => e instanceof socket.OSError && e.errno === socket.EBADF);
  const w = await oldWrite;
  assert.ok(w instanceof socket.OSError && w.errno === socket.EBADF, `${w}`);
  peer.send(enc.encode("new"));
  assert.equal(dec.decode(await fresh), "new"); // the new socket's data went to it
  c.close();
  d.close();
  b.detach(); // its number was closed behind its back
  a.close();
});

test("a number that changes hands fails the earlier socket's operations even if the new socket is used only synchronously", async () => {
  const [a, b] = pair();
  const old = sock_recv(b, 8, opts());
  await new Promise((r) => setTimeout(r, 20)); // registered; the reactor waits
  const number = b.fileno();
  libc.close(number); // bypasses socket.close(): the reactor does not hear of it
  const [c, d] = pair(); // the lowest free numbers: one of them is b's
  const reused = [c, d].find((s) => s.fileno() === number);
  assert.ok(reused !== undefined, `descriptor ${number} was not reused`);
  const peer = reused === c ? d : c;
  // The old receive fails at once, before any data for the new file can reach it.
  await assert.rejects(old, (e) => e instanceof socket.OSError && e.errno === socket.EBADF);
  peer.send(enc.encode("new"));
  // An unrelated operation completing (which retries queued ones) must not feed old.
  const [x, y] = pair();
  const other = sock_recv(y, 8, opts());
  x.send(enc.encode("x"));
  assert.equal(dec.decode(await other), "x");
  assert.equal(dec.decode(reused.recv(8)), "new"); // the new socket's data stayed its own
  for (const s of [c, d, x, y, a]) s.close();
  b.detach(); // its number was closed behind its back
});

test("setblocking(true) / settimeout while receives are pending: no attempt blocks", async () => {
  for (const mode of ["blocking", "timeout"] as const) {
    for (const from of [false, true]) {
      const [a, b] = pair(socket.SOCK_DGRAM);
      try {
        const recv = () =>
          from ? sock_recvfrom(b, 10, opts()).then(([d]) => d) : sock_recv(b, 10, opts());
        const first = recv();
        const second = recv(); // attempted right after the first completes
        if (mode === "blocking") b.setblocking(true);
        else b.settimeout(30);
        receiveTimeout(b, 30); // a blocking attempt would hold the process for 30 s
        const start = performance.now();
        a.send(enc.encode("one"));
        assert.equal(dec.decode(await first), "one");
        const waited = performance.now() - start;
        assert.ok(waited < 15_000, `${mode}: the second attempt held the process ${waited} ms`);
        a.send(enc.encode("two"));
        assert.equal(dec.decode(await second), "two");
      } finally {
        a.close();
        b.close();
      }
    }
  }
});

test("a listener made blocking while accepts are pending: the next attempt refuses, never blocks", async () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  const first = sock_accept(srv, opts());
  const second = sock_accept(srv, opts());
  srv.setblocking(true);
  receiveTimeout(srv, 30); // a blocking accept would hold the process for 30 s
  const start = performance.now();
  using _cli = socket.create_connection(srv.getsockname() as [string, number]);
  // Each attempt checks the descriptor first: both refuse (nothing is accepted blocking).
  await assert.rejects(first, gone(/accept\(\): the socket must be non-blocking/));
  await assert.rejects(second, gone(/accept\(\): the socket must be non-blocking/));
  const waited = performance.now() - start;
  assert.ok(waited < 15_000, `an attempt held the process ${waited} ms`);
  srv.setblocking(false);
  const [conn] = await sock_accept(srv, opts()); // the connection was kept for a later accept
  conn.close();
});

test("setblocking(true) while a sock_sendall is pending: it completes, no attempt blocks", async () => {
  const [a, b] = pair();
  try {
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
    const data = filler(1 << 20);
    const p = sock_sendall(a, data, opts());
    assert.equal(getReactor().pending, 1);
    a.setblocking(true);
    receiveTimeout(a, 30); // a blocking send would hold the process for 30 s
    const start = performance.now();
    const got = await drainUntil(b, p);
    await p;
    assert.equal(got, data.length);
    const waited = performance.now() - start;
    assert.ok(waited < 15_000, `an attempt held the process ${waited} ms`);
  } finally {
    a.close();
    b.close();
  }
});

test("setblocking(true) while a sock_sendfile is pending: the next attempt refuses", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-lifetime-"));
  const [a, b] = pair();
  try {
    const path = join(dir, "big");
    writeFileSync(path, new Uint8Array(1 << 22));
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
    const p = sock_sendfile(a, path, 0, null, opts());
    assert.equal(getReactor().pending, 1);
    a.setblocking(true);
    receiveTimeout(a, 30); // a blocking sendfile would hold the process for 30 s
    const start = performance.now();
    const got = await drainUntil(b, p);
    await assert.rejects(p, gone(/sendfile\(\): the socket must be non-blocking/));
    assert.ok(got > 0 && got < 1 << 22, `${got} bytes sent`);
    const waited = performance.now() - start;
    assert.ok(waited < 15_000, `an attempt held the process ${waited} ms`);
  } finally {
    a.close();
    b.close();
    rmSync(dir, { recursive: true });
  }
});
