/**
 * Faults survived, load and soak, and the opt-in net permission checks. Faults run on
 * loopback or in private network namespaces (`unshare -n`, skipped with the reason when
 * not permitted); load, soak and signal tests run in child processes
 * (tests/helpers/reliability_child.ts) so descriptor counts and limits are their own.
 *
 * @module
 */
import { test, WINDOWS } from "./helpers/platform.ts";
import { table } from "../constants/mod.ts";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "./helpers/host.ts";
import { readFileSync } from "node:fs";
import process from "node:process";
import * as socket from "../mod.ts";
import {
  childCommand,
  lastJson,
  netnsUnavailable,
  runChild,
  runtime,
} from "./helpers/reliability_util.ts";
import { scaled } from "./helpers/timing.ts";

/** Set by scripts/run_aarch64.sh: the suite runs under qemu-user emulation. */
const UNDER_QEMU = process.env.SOCKET_TEST_UNDER_QEMU === "1";

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 10);

function tcpPair(): [socket.socket, socket.socket, socket.socket] {
  const srv = socket.create_server(["127.0.0.1", 0]);
  const c = socket.create_connection(srv.getsockname() as [string, number], 2);
  const [s] = srv.accept();
  s.settimeout(2);
  return [srv, c, s];
}

test("peer reset (SO_LINGER 0) gives ConnectionResetError", () => {
  const [srv, c, s] = tcpPair();
  try {
    const linger = new Uint8Array(8);
    new DataView(linger.buffer).setInt32(0, 1, true); // l_onoff 1, l_linger 0
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger);
    s.close(); // RST
    assert.throws(() => c.recv(10), socket.ConnectionResetError);
  } finally {
    srv.close();
    c.close();
    s.close();
  }
});

test("peer gone: BrokenPipeError (or the reset), never SIGPIPE", () => {
  const [a, b] = socket.socketpair();
  b.close();
  assert.throws(() => a.send(new Uint8Array([1])), socket.BrokenPipeError);
  assert.throws(() => a.sendall(new Uint8Array(10)), socket.BrokenPipeError);
  assert.throws(() => a.sendmsg([new Uint8Array([1])]), socket.BrokenPipeError);
  a.close();
  const [srv, c, s] = tcpPair();
  s.close();
  let error: unknown;
  try {
    for (let i = 0; i < 1000; i++) c.send(new Uint8Array(1024));
  } catch (e) {
    error = e;
  }
  assert.ok(
    error instanceof socket.BrokenPipeError || error instanceof socket.ConnectionResetError,
    `got ${error}`,
  );
  // the process is alive and the socket still answers
  assert.throws(() => c.send(new Uint8Array(1)), socket.OSError);
  srv.close();
  c.close();
});

test("half-close: SHUT_WR gives the peer EOF; the other direction still works", () => {
  const [srv, c, s] = tcpPair();
  try {
    c.sendall(new Uint8Array([1, 2]));
    c.shutdown(socket.SHUT_WR);
    assert.deepEqual(s.recv(10), new Uint8Array([1, 2]));
    assert.equal(s.recv(10).length, 0);
    assert.equal(s.recv(10).length, 0);
    s.sendall(new Uint8Array([3, 4, 5]));
    assert.deepEqual(c.recv(10), new Uint8Array([3, 4, 5]));
    assert.throws(() => c.send(new Uint8Array([9])), socket.BrokenPipeError);
    s.shutdown(socket.SHUT_WR);
    assert.equal(c.recv(10).length, 0);
  } finally {
    srv.close();
    c.close();
    s.close();
  }
});

test("connect to a black-holed address times out at the socket's timeout", {
  skip: netnsUnavailable() ?? false,
}, () => {
  // In a private network namespace a route sends 10.99.0.0/24 to lo, where packets for a
  // non-local address are dropped: the SYN vanishes, deterministically.
  const [cmd, ...args] = childCommand("reliability_child", { args: ["blackhole", "10.99.0.2"] });
  const quoted = [cmd, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("unshare", [
    "-n",
    "sh",
    "-c",
    `ip link set lo up && ip route add 10.99.0.0/24 dev lo && exec ${quoted}`,
  ], { encoding: "utf8", timeout: scaled(30_000) });
  assert.equal(r.status, 0, r.stderr);
  const out = lastJson<Record<string, unknown>>({
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
  });
  assert.deepEqual(out.connect, { name: "TimeoutError", errno: null });
  const t = out.connectSeconds as number;
  assert.ok(t >= 0.49 && t < 1.5, `timed out after ${t} s, timeout 0.5 s`);
  assert.equal(out.connect_ex, 11); // EWOULDBLOCK, as Python's connect_ex
  assert.ok((out.connectExSeconds as number) >= 0.29);
  assert.deepEqual(out.nonblocking, { name: "BlockingIOError", errno: 115 });
});

test("EINTR during a timeout-mode recv/accept is retried and the deadline holds", async () => {
  const [cmd, ...args] = childCommand("reliability_child", { args: ["eintr"] });
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let done = false;
  let err = "";
  let timer: ReturnType<typeof setInterval> | undefined;
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => err += d);
  child.stdout.on("data", (d: string) => {
    out += d;
    if (timer === undefined && out.includes("READY")) {
      timer = setInterval(() => child.kill("SIGUSR2"), 25);
    }
    if (out.includes("DONE") && !done) {
      done = true;
      clearInterval(timer);
    }
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on("exit", (c, s) => resolve([c, s]))
  );
  clearInterval(timer);
  // A signal still in flight when the child exits may meet the runtime's default action
  // (the runtime drops its handler at exit): accepted only once the report is out.
  const reported = /\{"recv".*\}/.test(out);
  assert.ok(signal === null || (signal === "SIGUSR2" && reported), `killed by ${signal}: ${err}`);
  assert.ok(code === 0 || (code === null && reported), `exit ${code}: ${err}`);
  const r = JSON.parse(out.trim().split("\n").pop()!);
  assert.deepEqual(r.recv, { name: "TimeoutError", errno: null });
  assert.deepEqual(r.accept, { name: "TimeoutError", errno: null });
  assert.ok(
    r.recvSeconds >= 1.49 && r.recvSeconds < 1.5 + scaled(1000) / 1000,
    `recv took ${r.recvSeconds} s`,
  );
  assert.ok(
    r.acceptSeconds >= 0.99 && r.acceptSeconds < 1 + scaled(1000) / 1000,
    `accept took ${r.acceptSeconds} s`,
  );
  assert.ok(r.signals > 0, "signals were delivered");
});

test("full datagram buffer: BlockingIOError non-blocking, TimeoutError with a timeout", () => {
  const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  try {
    a.setblocking(false);
    let sent = 0;
    let error: unknown;
    try {
      for (; sent < 100_000; sent++) a.send(new Uint8Array(1024));
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof socket.BlockingIOError, `got ${error}`);
    assert.equal((error as socket.OSError).errno, table.errno.EAGAIN);
    a.settimeout(0.2);
    const t0 = performance.now();
    assert.throws(() => a.send(new Uint8Array(1024)), socket.TimeoutError);
    assert.ok(performance.now() - t0 >= 190);
    b.recv(2048);
    assert.equal(a.send(new Uint8Array(1024)), 1024); // room again
  } finally {
    a.close();
    b.close();
  }
  // UDP over loopback: the kernel drops what the receiver cannot hold (sends succeed), or
  // the sender's buffer fills (EAGAIN/ENOBUFS): never another error
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.1", 0]);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.setblocking(false);
  s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
  for (let i = 0; i < 2000; i++) {
    try {
      s.sendto(new Uint8Array(1400), r.getsockname());
    } catch (e) {
      assert.ok(
        e instanceof socket.BlockingIOError || (e as socket.OSError).errno === table.errno.ENOBUFS,
        `got ${e}`,
      );
    }
  }
});

test("listening socket with a full backlog", () => {
  // AF_UNIX: the kernel refuses with EAGAIN -> BlockingIOError, as in Python
  const path = `/tmp/sockbacklog-${process.pid}`;
  using srv = new socket.socket(socket.AF_UNIX);
  srv.bind(path);
  srv.listen(1);
  const clients: socket.socket[] = [];
  let error: unknown;
  try {
    for (let i = 0; i < 64; i++) {
      const c = new socket.socket(socket.AF_UNIX);
      clients.push(c);
      c.setblocking(false);
      c.connect(path);
    }
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof socket.BlockingIOError, `got ${error}`);
  const [conn] = srv.accept();
  conn.close();
  for (const c of clients) c.close();
  spawnSync("rm", ["-f", path]);
  // TCP: SYNs beyond the backlog are dropped: a timeout-mode connect times out
  using tsrv = socket.create_server(["127.0.0.1", 0], { backlog: 0 });
  const addr = tsrv.getsockname();
  const tcp: socket.socket[] = [];
  let timedOut = false;
  for (let i = 0; i < 16 && !timedOut; i++) {
    const c = new socket.socket();
    tcp.push(c);
    c.settimeout(0.2);
    try {
      c.connect(addr);
    } catch (e) {
      assert.ok(e instanceof socket.TimeoutError, `got ${e}`);
      timedOut = true;
    }
  }
  assert.ok(timedOut, "a connect past the backlog timed out");
  tsrv.settimeout(1);
  const [first] = tsrv.accept(); // the server still works
  first.close();
  for (const c of tcp) c.close();
});

test("10,000 concurrent loopback connections, data intact", () => {
  const limit = readFileSync("/proc/self/limits", "utf8").match(/Max open files\s+\d+\s+(\d+)/);
  const hard = limit ? Number(limit[1]) : 0;
  const n = Number(process.env.LOAD_CONNECTIONS ?? 10_000);
  assert.ok(hard >= n + 200, `hard fd limit ${hard} too low for ${n} connections`);
  // Each end in a process of its own, both with the soft limit raised to the hard one.
  const r = runChild("reliability_child", {
    args: ["load", String(n)],
    wrap: ["prlimit", `--nofile=${hard}:${hard}`],
    timeoutMs: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = lastJson<{
    intact: number;
    before: number;
    peak: number;
    after: number;
    server: { code: number; accepted: number };
  }>(r);
  assert.equal(out.server.code, 0);
  assert.equal(out.server.accepted, n);
  assert.equal(out.intact, n);
  assert.ok(out.peak >= out.before + n, "all connections were open at once");
  assert.ok(out.after <= out.before + 4, `descriptors after: ${out.after} (${out.before} before)`);
});

test(`soak: ${SOAK_SECONDS} s of mixed operations, flat descriptor count and RSS`, () => {
  const r = runChild("reliability_child", {
    args: ["soak", String(SOAK_SECONDS)],
    exposeGc: true,
    timeoutMs: SOAK_SECONDS * 1000 + 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = lastJson<{
    rounds: number;
    before: number;
    after: number;
    samples: { fds: number; rss: number }[];
  }>(r);
  // Under qemu-user (scripts/run_aarch64.sh) everything runs ~20x slower.
  assert.ok(out.rounds > (UNDER_QEMU ? 5 : 100), `only ${out.rounds} rounds`);
  assert.equal(out.after + 2, out.before, "server and UDP socket closed, nothing else open");
  for (const s of out.samples) assert.equal(s.fds, out.before, "descriptor count flat");
  const half = Math.floor(out.samples.length / 2);
  if (half > 0) {
    const early = Math.max(...out.samples.slice(0, half).map((s) => s.rss));
    const late = Math.max(...out.samples.slice(half).map((s) => s.rss));
    assert.ok(late - early < 32 * 1024, `RSS grew ${late - early} KiB in the second half`);
  }
});

// ---- opt-in net permission checks ------------------------------------------------------------------

test("permissions: --allow-ffi --allow-net=<one host:port> cannot reach other hosts", {
  skip: runtime !== "deno" ? "Deno permissions only" : false,
}, () => {
  using allowed = socket.create_server(["127.0.0.1", 0]);
  using byName = socket.create_server(["127.0.0.1", 0]);
  using denied = socket.create_server(["127.0.0.1", 0], { family: socket.AF_INET });
  using allowed6 = socket.create_server(["::1", 0], { family: socket.AF_INET6 });
  const port = (s: socket.socket) => (s.getsockname() as [string, number])[1];
  const [p1, p2, p3] = [port(allowed), port(byName), port(denied)];
  void allowed6;
  const r = runChild("reliability_child", {
    args: ["perm", String(p1), String(p2), String(p3)],
    denoFlags: ["--allow-ffi", "--allow-read", `--allow-net=127.0.0.1:${p1},localhost:${p2}`],
  });
  assert.equal(r.status, 0, r.stderr);
  const out = lastJson<Record<string, unknown>>(r);
  const denial = { name: "PermissionError", errno: 13 };
  assert.equal(out.offDenied, null, "without the opt-in, FFI is not policed");
  assert.equal(out.enabled, true);
  assert.equal(out.allowed, null);
  assert.equal(out.byName, null, "a host granted by name is reachable by that name");
  assert.deepEqual(out.byNameNumeric, denial);
  assert.deepEqual(out.denied, denial);
  assert.deepEqual(out.deniedHost, denial);
  assert.deepEqual(out.connect_ex, denial);
  assert.deepEqual(out.bind, denial);
  assert.deepEqual(out.sendto, denial);
  assert.equal(out.sendtoAllowed, null);
  if (!WINDOWS) assert.deepEqual(out.sendmsg, denial); // no sendmsg on Windows
  assert.deepEqual(out.ipv6, denial);
  assert.deepEqual(out.create_connection, denial);
  if (!WINDOWS) assert.equal(out.unix, null, "AF_UNIX is not a net permission");
  assert.equal(out.disabledAgain, null);
});

test("permissions: a custom check works on every runtime; off costs nothing", async () => {
  const perms = await import("../permissions.ts");
  perms.enableNetPermissionChecks((host, port) => host === "127.0.0.1" && port !== 9);
  try {
    using s = new socket.socket();
    assert.throws(() => s.connect(["127.0.0.2", 80]), socket.PermissionError);
    assert.throws(() => s.connect(["127.0.0.1", 9]), (e: socket.OSError) => e.errno === 13);
    if (!WINDOWS) { // no AF_UNIX under Wine
      using u = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
      assert.throws(() => u.sendto(new Uint8Array(1), "/nonexistent/x"), socket.FileNotFoundError);
    }
  } finally {
    perms.disableNetPermissionChecks();
  }
  assert.equal(perms.netPermissionChecksEnabled(), false);
});
