// The reactor's readiness bookkeeping (reactor/mod.ts, reactor/epoll.ts): edge-triggered
// epoll registered once, receives queued untried after one that would have blocked, and
// readiness reported while no receive waits. Each case is a way data can be there without
// the reactor having seen it arrive; every one must complete (a deadline turns a lost
// wake-up into a failure instead of a hang).
import { afterEach } from "node:test";
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawn } from "./helpers/host.ts";
import * as socket from "../mod.ts";
import { sock_accept, sock_recv, sock_recv_into, sock_sendall } from "../asyncio.ts";
import { getReactor } from "../reactor/mod.ts";
import { libc } from "../ffi/mod.ts";
import { scaled } from "./helpers/timing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Long enough for a loaded machine, short enough that a lost wake-up fails the test. */
const DEADLINE_MS = scaled(5000);
const opts = () => ({ signal: AbortSignal.timeout(DEADLINE_MS) });

function pair(): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  b.setblocking(false);
  return [a, b];
}

afterEach(async () => {
  const r = getReactor();
  await r.idle();
  assert.equal(r.pending, 0);
});

test("a receive queued untried finds data another party sent (descriptor not yet registered)", async () => {
  const [a, b] = pair();
  // A receive that would block, completed by this process's own async send: the reactor
  // retries it directly and never registers b with epoll.
  const first = sock_recv(b, 4, opts());
  await sock_sendall(a, enc.encode("one."), opts());
  assert.equal(dec.decode(await first), "one.");
  // Data the reactor does not know about (a synchronous send: as from another process).
  a.send(enc.encode("two.two."));
  // Predicted to block, so queued untried; nothing in this process will send again.
  assert.equal(dec.decode(await sock_recv(b, 4, opts())), "two.");
  assert.equal(dec.decode(await sock_recv(b, 4, opts())), "two.");
  a.close();
  b.close();
});

test("a receive queued untried finds data another party sent (descriptor registered)", async () => {
  const [a, b] = pair();
  // Register b: a receive that has to wait for readiness from epoll.
  const waited = sock_recv(b, 4, opts());
  setTimeout(() => a.send(enc.encode("reg.")), 5);
  assert.equal(dec.decode(await waited), "reg.");
  for (let i = 0; i < 20; i++) {
    const p = sock_recv(b, 4, opts()); // would block: tried, then queued
    await sock_sendall(a, enc.encode(`a${i % 10}..`), opts()); // completes it directly
    assert.equal(dec.decode(await p), `a${i % 10}..`);
    a.send(enc.encode(`s${i % 10}..`)); // unseen by the reactor
    assert.equal(dec.decode(await sock_recv(b, 4, opts())), `s${i % 10}..`);
  }
  a.close();
  b.close();
});

test("data left behind by a full receive is read without new data arriving", async () => {
  const [a, b] = pair();
  const waited = sock_recv(b, 1, opts());
  setTimeout(() => a.send(enc.encode("abcdefghij")), 5); // one arrival, one edge
  assert.equal(dec.decode(await waited), "a");
  let rest = "";
  const buf = new Uint8Array(3);
  while (rest.length < 9) {
    const n = await sock_recv_into(b, buf, opts());
    rest += dec.decode(buf.subarray(0, n));
  }
  assert.equal(rest, "bcdefghij");
  a.close();
  b.close();
});

test("readiness reported while no receive waits is kept for the next one", async () => {
  const [a, b] = pair();
  const waited = sock_recv(b, 8, opts()); // registers b
  setTimeout(() => a.send(enc.encode("x")), 5);
  assert.equal(dec.decode(await waited), "x");
  // A receive on b that would block, then given up: b's last attempt would have blocked
  // and nothing waits on b.
  const gaveUp = new AbortController();
  const abandoned = sock_recv(b, 8, { signal: gaveUp.signal });
  gaveUp.abort();
  await assert.rejects(abandoned);
  // Another socket keeps the reactor waiting; data for b arrives first, and the report
  // of it finds no receive on b.
  const [c, d] = pair();
  const other = sock_recv(d, 8, opts());
  setTimeout(() => a.send(enc.encode("y")), 5);
  setTimeout(() => c.send(enc.encode("z")), 40);
  assert.equal(dec.decode(await other), "z");
  // No data arrives for b any more: only the kept report says it is readable.
  assert.equal(dec.decode(await sock_recv(b, 8, opts())), "y");
  for (const s of [a, b, c, d]) s.close();
});

test("a Python client pipelining requests to an async server gets every reply", async () => {
  // The peer is another process: none of its sends is seen by the reactor, and it often
  // sends the next request before reading the reply, so a request is already waiting
  // when the server's receive is predicted to block.
  const srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  const port = (srv.getsockname() as [string, number])[1];
  const N = 300;
  const code = `
import socket, sys, random
random.seed(7)
s = socket.create_connection(("127.0.0.1", ${port}))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sent = got = 0
out = b""
while got < ${N}:
    for _ in range(min(random.choice([1, 1, 2, 3]), ${N} - sent)):
        s.sendall(b"%08d" % sent)
        sent += 1
    while len(out) < 8 * (got + 1):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("early EOF")
        out += chunk
    while len(out) >= 8 * (got + 1):
        assert out[8 * got:8 * got + 8] == b"R%07d" % got, out[8 * got:8 * got + 8]
        got += 1
s.close()
print("ok", got)
`;
  const child = spawn("python3", ["-c", code], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => out += d);
  child.stderr!.on("data", (d) => err += d);
  const exited = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  const [conn] = await sock_accept(srv, opts());
  const buf = new Uint8Array(8);
  for (let i = 0; i < N; i++) {
    let n = 0;
    while (n < 8) {
      const r = await sock_recv_into(conn, buf.subarray(n), opts());
      assert.notEqual(r, 0, "early EOF");
      n += r;
    }
    assert.equal(dec.decode(buf), String(i).padStart(8, "0"));
    await sock_sendall(conn, enc.encode("R" + String(i).padStart(7, "0")), opts());
  }
  assert.equal((await sock_recv(conn, 8, opts())).length, 0);
  assert.equal(await exited, 0, err);
  assert.equal(out.trim(), `ok ${N}`);
  conn.close();
  srv.close();
});

test("timers keep firing while a same-process conversation keeps the reactor busy", async () => {
  // Direct retries complete every operation without the kernel's help; the reactor must
  // still yield to the event loop (every SYNC_SLICE_MS, 10 ms). The conversation runs
  // until a 5 ms interval has fired 5 times: ~60 ms here, longer on a loaded machine, and
  // never when the loop is starved (the 3 s limit fails the test).
  const [a, b] = pair();
  let ticks = 0;
  const start = performance.now();
  const interval = setInterval(() => ticks++, 5);
  let stop = false;
  const echo = (async () => {
    const buf = new Uint8Array(16);
    while (!stop) {
      const n = await sock_recv_into(b, buf, opts());
      if (n === 0) break;
      await sock_sendall(b, buf.subarray(0, n), opts());
    }
  })();
  const buf = new Uint8Array(16);
  let trips = 0;
  // and at least 100 round trips (a slow machine makes fewer per tick)
  while ((ticks < 5 || trips <= 100) && performance.now() - start < scaled(3000)) {
    await sock_sendall(a, enc.encode("ping"), opts());
    assert.equal(await sock_recv_into(a, buf, opts()), 4);
    trips++;
  }
  stop = true;
  a.shutdown(socket.SHUT_WR);
  await echo;
  clearInterval(interval);
  assert.equal(ticks >= 5, true, `the interval fired ${ticks} times in 3 s of conversation`);
  assert.ok(trips > 100, `only ${trips} round trips`);
  a.close();
  b.close();
});

test("a descriptor closed behind the reactor's back and reused still gets its readiness", async () => {
  const [a, b] = pair();
  const waited = sock_recv(b, 8, opts()); // registers b with epoll
  setTimeout(() => a.send(enc.encode("old")), 5);
  assert.equal(dec.decode(await waited), "old");
  const number = b.fileno();
  libc.close(number); // bypasses socket.close(), so the reactor never hears of it
  const [c, d] = pair(); // the lowest free numbers: one of them is b's
  const reused = [c, d].find((s) => s.fileno() === number);
  assert.ok(reused !== undefined, `descriptor ${number} was not reused`);
  const peer = reused === c ? d : c;
  const p = sock_recv(reused, 8, opts());
  setTimeout(() => peer.send(enc.encode("new")), 5);
  assert.equal(dec.decode(await p), "new");
  const w = sock_recv(reused, 8, opts()); // and again, through the same registration
  setTimeout(() => peer.send(enc.encode("again")), 5);
  assert.equal(dec.decode(await w), "again");
  c.close();
  d.close();
  b.detach(); // its number is closed already (and now reused or free)
  a.close();
});

test("socket.close(fd) on a socket's number fails its pending operations with EBADF", async () => {
  const [a, b] = pair();
  const pending = sock_recv(b, 8, opts());
  await new Promise((r) => setTimeout(r, 20)); // b is registered and the reactor waits
  const number = b.fileno();
  socket.close(number); // Python's socket.close(fd): the reactor must hear of it too
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof socket.OSError && e.errno === socket.EBADF,
  );
  b.detach(); // the number is closed already
  a.close();
});
