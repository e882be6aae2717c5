import { afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "./helpers/host.ts";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import {
  sock_accept,
  sock_connect,
  sock_recv,
  sock_recv_into,
  sock_recvfrom,
  sock_recvfrom_into,
  sock_recvmsg,
  sock_sendall,
  sock_sendfile,
  sock_sendmsg,
  sock_sendto,
} from "../asyncio.ts";
import { getReactor } from "../reactor/mod.ts";
import { table } from "../constants/mod.ts";
import { libc } from "../ffi/mod.ts";
import { scriptCommand } from "./helpers/reliability_util.ts";
import { scaled } from "./helpers/timing.ts";
import { FD_DIR, skipOnWindows, test, UNDER_WINE, WINDOWS } from "./helpers/platform.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pair(): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  b.setblocking(false);
  return [a, b];
}

function tcpPair(): { srv: socket.socket; cli: socket.socket; conn: socket.socket } {
  const srv = socket.create_server(["127.0.0.1", 0]);
  const cli = socket.create_connection(srv.getsockname() as [string, number]);
  const [conn] = srv.accept();
  cli.setblocking(false);
  conn.setblocking(false);
  return { srv, cli, conn };
}

function openFds(): number {
  return readdirSync(FD_DIR).length;
}

const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

afterEach(async () => {
  const r = getReactor();
  await r.idle();
  assert.equal(r.pending, 0);
  assert.equal(r.waiting, false);
});

test("sock_recv / sock_recv_into: data, waiting, EOF", async () => {
  const [a, b] = pair();
  a.send(enc.encode("now"));
  assert.equal(dec.decode(await sock_recv(b, 100)), "now");
  const p = sock_recv(b, 100);
  later(5, () => a.send(enc.encode("later")));
  assert.equal(dec.decode(await p), "later");
  const buf = new Uint8Array(8);
  later(5, () => a.send(new Uint8Array([1, 2, 3])));
  assert.equal(await sock_recv_into(b, buf), 3);
  assert.deepEqual(buf.subarray(0, 3), new Uint8Array([1, 2, 3]));
  const eof = sock_recv(b, 10);
  later(5, () => a.shutdown(socket.SHUT_WR));
  assert.equal((await eof).length, 0);
  assert.equal(await sock_recv_into(b, buf), 0);
  a.close();
  b.close();
});

test("sock_recv(0) and sock_recv_into of 0 bytes resolve at once, as asyncio's (no data needed)", async () => {
  const [a, b] = pair();
  // A recv(2) of 0 bytes on an empty stream waits: the operation stayed pending.
  assert.deepEqual(
    await sock_recv(b, 0, { signal: AbortSignal.timeout(10_000) }),
    new Uint8Array(0),
  );
  assert.equal(
    await sock_recv_into(b, new Uint8Array(0), { signal: AbortSignal.timeout(10_000) }),
    0,
  );
  a.close();
  b.close();
});

test("a blocking socket is refused with RangeError", async () => {
  const [a, b] = socket.socketpair();
  await assert.rejects(sock_recv(a, 1), {
    name: "RangeError",
    message: "the socket must be non-blocking",
  });
  await assert.rejects(sock_sendall(a, new Uint8Array(1)), RangeError);
  a.close();
  b.close();
});

test("sock_sendall waits for buffer space across partial sends", async () => {
  const [a, b] = pair();
  const data = new Uint8Array(4 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = i * 7;
  const sent = sock_sendall(a, data);
  const got = new Uint8Array(data.length);
  let n = 0;
  while (n < data.length) n += await sock_recv_into(b, got.subarray(n));
  await sent;
  assert.deepEqual(got, data);
  a.close();
  b.close();
});

test("peer reset (SO_LINGER 0) gives ConnectionResetError", async () => {
  const { srv, cli, conn } = tcpPair();
  const p = sock_recv(conn, 100);
  later(5, () => {
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    cli.close();
  });
  await assert.rejects(p, socket.ConnectionResetError);
  conn.close();
  srv.close();
});

test("sending to a closed peer gives BrokenPipeError, never SIGPIPE", async () => {
  const [a, b] = pair();
  b.close();
  if (WINDOWS) {
    // Windows' socketpair is TCP: sends succeed until the peer's reset is back, then
    // Winsock reports WSAECONNRESET/WSAECONNABORTED, never EPIPE.
    await assert.rejects(async () => {
      for (let i = 0; i < 1000; i++) {
        await sock_sendall(a, new Uint8Array(10));
        await new Promise((r) => setTimeout(r, 5));
      }
    }, socket.ConnectionError);
  } else {
    await assert.rejects(sock_sendall(a, new Uint8Array(10)), socket.BrokenPipeError);
  }
  a.close();
});

test("AbortSignal.timeout rejects with TimeoutError; the socket stays usable", async () => {
  const [a, b] = pair();
  await assert.rejects(sock_recv(b, 10, { signal: AbortSignal.timeout(20) }), {
    name: "TimeoutError",
  });
  assert.equal(getReactor().pending, 0);
  a.send(enc.encode("after"));
  assert.equal(dec.decode(await sock_recv(b, 10)), "after");
  a.close();
  b.close();
});

test("abort: reason, already aborted, interest removed, later ops unaffected", async () => {
  const [a, b] = pair();
  const ac = new AbortController();
  const p = sock_recv(b, 10, { signal: ac.signal });
  const q = sock_recv(b, 10);
  later(5, () => ac.abort(new Error("stop")));
  await assert.rejects(p, { message: "stop" });
  assert.equal(getReactor().pending, 1);
  a.send(enc.encode("q"));
  assert.equal(dec.decode(await q), "q");
  const reason = new Error("before");
  await assert.rejects(sock_recv(b, 10, { signal: AbortSignal.abort(reason) }), reason);
  a.close();
  b.close();
});

test("closing a socket fails its pending operations with EBADF", async () => {
  const [a, b] = pair();
  const r = sock_recv(b, 10);
  const w = sock_accept(b).catch((e) => e);
  later(5, () => b.close());
  await assert.rejects(r, (e: socket.OSError) => e.errno === socket.EBADF);
  const e = await w;
  assert.ok(e instanceof socket.OSError);
  a.close();
});

test("two readers are served in order; a reader and a writer proceed independently", async () => {
  const [a, b] = pair();
  const first = sock_recv(b, 1);
  const second = sock_recv(b, 1);
  a.send(new Uint8Array([1, 2]));
  assert.deepEqual(await first, new Uint8Array([1]));
  assert.deepEqual(await second, new Uint8Array([2]));
  const reading = sock_recv(b, 10);
  await sock_sendall(b, enc.encode("x"));
  assert.equal(dec.decode(await sock_recv(a, 10)), "x");
  a.send(enc.encode("y"));
  assert.equal(dec.decode(await reading), "y");
  a.close();
  b.close();
});

test("sock_accept and sock_connect (numeric and by name); refused", async () => {
  const srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  const port = (srv.getsockname() as [string, number])[1];
  const cli = new socket.socket();
  cli.setblocking(false);
  const [[conn, addr]] = await Promise.all([
    sock_accept(srv),
    sock_connect(cli, ["127.0.0.1", port]),
  ]);
  assert.equal(conn.getblocking(), false);
  assert.equal((addr as [string, number])[0], "127.0.0.1");
  const cli2 = new socket.socket();
  cli2.setblocking(false);
  const [[conn2]] = await Promise.all([sock_accept(srv), sock_connect(cli2, ["localhost", port])]);
  assert.deepEqual(cli2.getpeername(), srv.getsockname());
  srv.close();
  const cli3 = new socket.socket();
  cli3.setblocking(false);
  await assert.rejects(sock_connect(cli3, ["127.0.0.1", port]), socket.ConnectionRefusedError);
  for (const s of [cli, cli2, cli3, conn, conn2]) s.close();
});

test("UDP: sock_sendto, sock_recvfrom, sock_recvfrom_into", async () => {
  const r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.1", 0]);
  r.setblocking(false);
  const s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  s.setblocking(false);
  const got = sock_recvfrom(r, 100);
  assert.equal(await sock_sendto(s, enc.encode("dgram"), r.getsockname()), 5);
  const [data, from] = await got;
  assert.equal(dec.decode(data), "dgram");
  assert.deepEqual(from, s.getsockname());
  const buf = new Uint8Array(10);
  const got2 = sock_recvfrom_into(r, buf, 4);
  later(5, () => s.sendto(enc.encode("abcdef"), r.getsockname()));
  if (WINDOWS) {
    // Winsock fails a receive into a buffer smaller than the datagram with WSAEMSGSIZE
    // (Python on Windows raises it too) instead of truncating.
    await assert.rejects(got2, { errno: table.errno.EMSGSIZE });
    r.close();
    s.close();
    return;
  }
  const [n, from2] = await got2;
  assert.equal(n, 4);
  assert.equal(dec.decode(buf.subarray(0, 4)), "abcd");
  assert.deepEqual(from2, s.getsockname());
  r.close();
  s.close();
});

test("sock_sendfile: path and descriptor, offset and count", async () => {
  const [a, b] = pair();
  const dir = mkdtempSync(join(tmpdir(), "socket-sendfile-"));
  const path = join(dir, "body");
  const body = new Uint8Array(300_000).map((_, i) => i % 251);
  writeFileSync(path, body);
  const got = new Uint8Array(body.length);
  let n = 0;
  const sent = sock_sendfile(a, path);
  while (n < body.length) n += await sock_recv_into(b, got.subarray(n));
  assert.equal(await sent, body.length);
  assert.deepEqual(got, body);
  const fd = libc.open(new TextEncoder().encode(path + "\0"), 0, 0); // O_RDONLY
  assert.ok(fd >= 0);
  assert.equal(await sock_sendfile(a, fd, 1000, 2000), 2000);
  got.fill(0);
  n = 0;
  while (n < 2000) n += await sock_recv_into(b, got.subarray(n, 2000));
  assert.deepEqual(got.subarray(0, 2000), body.subarray(1000, 3000));
  libc.close(fd);
  assert.equal(await sock_sendfile(a, path, 10, 5), 5);
  assert.deepEqual(await sock_recv(b, 100), body.subarray(10, 15));
  rmSync(dir, { recursive: true });
  a.close();
  b.close();
});

test("sock_sendmsg / sock_recvmsg pass a file descriptor", {
  skip: skipOnWindows("CPython has no sendmsg/recvmsg there (no SCM_RIGHTS)"),
}, async () => {
  const [a, b] = pair();
  const [x, y] = socket.socketpair();
  const fds = new Int32Array([x.fileno()]);
  const got = sock_recvmsg(b, 10, socket.CMSG_SPACE(4));
  await sock_sendmsg(a, [enc.encode("fd")], [[
    socket.SOL_SOCKET,
    socket.SCM_RIGHTS,
    new Uint8Array(fds.buffer),
  ]]);
  const [data, anc] = await got;
  assert.equal(dec.decode(data), "fd");
  assert.equal(anc.length, 1);
  const passed = new DataView(anc[0][2].buffer, anc[0][2].byteOffset).getInt32(0, true);
  const xx = new socket.socket(null, null, null, passed);
  xx.send(enc.encode("via passed fd"));
  assert.equal(dec.decode(y.recv(100)), "via passed fd");
  for (const s of [a, b, x, y, xx]) s.close();
});

test("sync and async calls interleave on one socket pair", async () => {
  const [a, b] = pair();
  for (let i = 0; i < 50; i++) {
    a.send(enc.encode(`s${i};`));
    assert.equal(dec.decode(await sock_recv(b, 100)), `s${i};`);
    await sock_sendall(b, enc.encode(`a${i};`));
    assert.equal(dec.decode(a.recv(100)), `a${i};`);
    const p = sock_recv(a, 100);
    b.send(enc.encode(`m${i};`));
    assert.equal(dec.decode(await p), `m${i};`);
  }
  a.close();
  b.close();
});

// Under Wine every socket call is 5-15x slower and WSAPoll scans every descriptor: 250
// connections there (1,000 took over a minute alone).
const CONCURRENT = UNDER_WINE ? 250 : 1000;

test(`${CONCURRENT.toLocaleString("en")} concurrent loopback connections echo 100 messages each`, async () => {
  const CONNS = CONCURRENT;
  const MSGS = 100;
  // A lost wake-up would hang here: fail instead, naming how far the conversation got.
  let done = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`stalled: ${done} of ${CONNS} clients finished`)),
      scaled(120_000),
    );
  });
  const srv = socket.create_server(["127.0.0.1", 0], { backlog: 1024 });
  srv.setblocking(false);
  await sock_recv(srv, 0).catch(() => {}); // warm the reactor before counting descriptors
  const before = WINDOWS ? 0 : openFds();
  const addr = srv.getsockname();
  const serveOne = async (conn: socket.socket) => {
    const buf = new Uint8Array(256);
    for (;;) {
      const n = await sock_recv_into(conn, buf);
      if (n === 0) break;
      await sock_sendall(conn, buf.subarray(0, n));
    }
    conn.close();
  };
  const served: Promise<void>[] = [];
  const acceptor = (async () => {
    for (let i = 0; i < CONNS; i++) {
      const [conn] = await sock_accept(srv);
      served.push(serveOne(conn));
    }
  })();
  const client = async (id: number) => {
    const s = new socket.socket();
    s.setblocking(false);
    await sock_connect(s, addr);
    const buf = new Uint8Array(64);
    for (let m = 0; m < MSGS; m++) {
      const msg = enc.encode(`${id}:${m}|`);
      await sock_sendall(s, msg);
      let n = 0;
      while (n < msg.length) n += await sock_recv_into(s, buf.subarray(n, msg.length));
      assert.equal(dec.decode(buf.subarray(0, n)), `${id}:${m}|`);
    }
    s.close();
    done++;
  };
  try {
    await Promise.race([
      watchdog,
      Promise.all([acceptor, ...Array.from({ length: CONNS }, (_, i) => client(i))]),
    ]);
    await Promise.race([watchdog, Promise.all(served)]);
  } finally {
    clearTimeout(timer);
  }
  srv.close();
  if (!WINDOWS) assert.equal(openFds(), before - 1); // no descriptor directory there
});

test("a script that does its work exits promptly", () => {
  const script = `
import * as socket from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
import { sock_accept, sock_connect, sock_recv, sock_sendall } from ${
    JSON.stringify(new URL("../asyncio.ts", import.meta.url).href)
  };
const srv = socket.create_server(["127.0.0.1", 0]);
srv.setblocking(false);
const cli = new socket.socket();
cli.setblocking(false);
const [[conn]] = await Promise.all([sock_accept(srv), sock_connect(cli, srv.getsockname())]);
conn.setblocking(false);
const got = sock_recv(conn, 10);
await sock_sendall(cli, new TextEncoder().encode("bye"));
console.log(new TextDecoder().decode(await got));
const ac = new AbortController();
const pending = sock_recv(conn, 10, { signal: ac.signal }).catch(() => "aborted");
ac.abort();
console.log(await pending);
`;
  // .mjs: plain JavaScript with top-level await, which every runtime runs as a module
  const dir = mkdtempSync(join(tmpdir(), "socket-exit-"));
  const path = join(dir, "script.mjs");
  writeFileSync(path, script);
  const [exe, ...args] = scriptCommand(path);
  const started = performance.now();
  const r = spawnSync(exe, args, { timeout: scaled(15_000), encoding: "utf8" });
  const elapsed = performance.now() - started;
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "bye\naborted\n");
  assert.ok(elapsed < scaled(10_000), `took ${elapsed} ms`);
});

for (const name of ["async_echo_server", "async_udp_responder", "http_server"]) {
  test(`examples/${name}.ts --self-test`, () => {
    const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
    const path = fileURLToPath(new URL(`../examples/${name}${ext}`, import.meta.url));
    const [exe, ...args] = scriptCommand(path, ["--self-test"]);
    // A limit only against a hang: emulated runs (qemu) are many times slower.
    const r = spawnSync(exe, args, { timeout: scaled(60_000), encoding: "utf8" });
    assert.equal(r.status, 0, `status ${r.status}, signal ${r.signal}\n${r.stderr}`);
    assert.match(r.stdout, /self-test ok/);
  });
}
