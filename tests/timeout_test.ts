/**
 * The three modes of a socket: blocking, non-blocking (BlockingIOError) and timeout
 * (TimeoutError("timed out")), the deadline of sendall across partial sends, connect
 * honouring the timeout against a port whose accept queue is full (the kernel drops
 * the SYN, so the handshake never completes: a deterministic black hole on loopback),
 * accept's timeout inheritance rules, and PEP 475: a recv interrupted by signals is
 * retried, not failed with InterruptedError.
 */
import { test, WINDOWS } from "./helpers/platform.ts";
import { table } from "../constants/mod.ts";
import assert from "node:assert/strict";
import { spawn } from "./helpers/host.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { python } from "./helpers/python.ts";
import { scaled } from "./helpers/timing.ts";

type Inet = [string, number];
const enc = new TextEncoder();
const dec = new TextDecoder();
const helper = (name: string) => fileURLToPath(new URL(`./helpers/${name}`, import.meta.url));
// Windows: Winsock says WSAEWOULDBLOCK where Linux says EAGAIN or EINPROGRESS (and so
// does CPython there); under Wine the python3 oracle is Linux's.
const errnos = WINDOWS
  ? {
    EAGAIN: table.errno.EWOULDBLOCK!,
    EINPROGRESS: table.errno.EWOULDBLOCK!,
    EINTR: table.errno.EINTR!,
  }
  : python<Record<string, number>>(
    "import errno,json; print(json.dumps({n: getattr(errno, n) for n in " +
      "['EAGAIN','EINPROGRESS','EINTR']}))",
  );

/** Runs a child, collecting its stdout; `line()` resolves with its first output line. */
function child(cmd: string, args: string[]) {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let lineWaiter: ((l: string) => void) | null = null;
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stdout.on("data", (chunk: string) => {
    out += chunk;
    const nl = out.indexOf("\n");
    if (nl >= 0 && lineWaiter) {
      lineWaiter(out.slice(0, nl));
      lineWaiter = null;
    }
  });
  proc.stderr.on("data", (chunk: string) => err += chunk);
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    proc.on("close", (code) => resolve({ code, out, err }))
  );
  const line = () =>
    new Promise<string>((resolve) => {
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
      else lineWaiter = resolve;
    });
  return { proc, done, line };
}

/** Milliseconds `fn` took, and what it threw. */
function timed(fn: () => unknown): { ms: number; error: unknown } {
  const start = performance.now();
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  return { ms: performance.now() - start, error };
}

function isTimeout(e: unknown): boolean {
  assert.ok(e instanceof socket.TimeoutError, `expected TimeoutError, got ${e}`);
  assert.ok(e instanceof socket.OSError);
  assert.ok(e instanceof socket.timeout);
  assert.equal(e.message, "timed out");
  assert.equal(e.errno, null);
  return true;
}

test("blocking mode: recv waits for data sent later by another process", async () => {
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  assert.equal(s.gettimeout(), null);
  // The peer says where it listens, then waits for our "go" before its 0.3 s delay: the
  // interval starts at a moment we control, however slowly the peer started.
  const peer = child("python3", [
    "-c",
    "import socket,time\nu=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
    "u.bind(('127.0.0.1',0)); print(u.getsockname()[1], flush=True)\n" +
    "_, a = u.recvfrom(10); time.sleep(0.3); u.sendto(b'late', a)",
  ]);
  const peerPort = Number(await peer.line());
  const start = performance.now();
  s.sendto(enc.encode("go"), ["127.0.0.1", peerPort]);
  const data = s.recv(100);
  const ms = performance.now() - start;
  assert.equal(dec.decode(data), "late");
  assert.ok(ms >= 290, `returned after ${ms} ms`);
  assert.equal((await peer.done).code, 0);
});

test("non-blocking mode: BlockingIOError from recv, accept, send, connect, as Python", () => {
  const py = python<string[][]>(`
import socket, json
out = []
def run(f):
    try: f(); out.append(["ok"])
    except OSError as e: out.append([type(e).__name__, str(e)])
a, b = socket.socketpair(); a.setblocking(False)
run(lambda: a.recv(10))
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(); l.setblocking(False)
run(lambda: l.accept())
c = socket.socket(); c.setblocking(False)
run(lambda: c.connect(l.getsockname()))
print(json.dumps(out))
`);
  const ours: string[][] = [];
  const run = (f: () => unknown) => {
    try {
      f();
      ours.push(["ok"]);
    } catch (e) {
      ours.push([(e as Error).name, (e as Error).message]);
    }
  };
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  run(() => a.recv(10));
  using l = new socket.socket();
  l.bind(["127.0.0.1", 0]);
  l.listen();
  l.setblocking(false);
  run(() => l.accept());
  using c = new socket.socket();
  c.setblocking(false);
  run(() => c.connect(l.getsockname()));
  // Under Wine the oracle is Linux's python3: its messages carry Linux's errno.
  if (WINDOWS) assert.deepEqual(ours.map((o) => o[0]), py.map((o) => o[0]));
  else assert.deepEqual(ours, py);
  assert.equal(ours[0][0], "BlockingIOError");
  // the errno values, and connect_ex's
  assert.throws(() => a.recv_into(new Uint8Array(4)), (e: socket.OSError) => {
    assert.ok(e instanceof socket.BlockingIOError);
    return e.errno === errnos.EAGAIN;
  });
  using d = new socket.socket();
  d.setblocking(false);
  assert.equal(d.connect_ex(l.getsockname()), errnos.EINPROGRESS);
  // send until the buffer is full: BlockingIOError, after some bytes went
  let sent = 0;
  const chunk = new Uint8Array(65536);
  assert.throws(() => {
    for (;;) sent += a.send(chunk);
  }, socket.BlockingIOError);
  assert.ok(sent > 0);
  // accept succeeds once a connection is pending; the new socket is blocking
  const [conn] = l.accept();
  assert.equal(conn.gettimeout(), null);
  conn.close();
  a.close();
  b.close();
});

test("timeout mode: TimeoutError('timed out') from recv*, accept, at the timeout", () => {
  const [a, b] = socket.socketpair();
  a.settimeout(0.15);
  for (
    const op of [
      () => a.recv(10),
      () => a.recv_into(new Uint8Array(4)),
      () => a.recvfrom(10),
      ...(WINDOWS ? [] : [() => a.recvmsg(10)]), // no recvmsg on Windows
    ]
  ) {
    const { ms, error } = timed(op);
    isTimeout(error);
    assert.ok(ms >= 140 && ms < scaled(1000), `timed out after ${ms} ms`);
  }
  // data already there: no wait
  b.send(enc.encode("x"));
  assert.equal(dec.decode(a.recv(10)), "x");
  using l = socket.create_server(["127.0.0.1", 0]);
  l.settimeout(0.1);
  const { ms, error } = timed(() => l.accept());
  isTimeout(error);
  assert.ok(ms >= 90 && ms < scaled(1000));
  // Python's str() of the same error
  assert.equal(
    python<string>(
      "import socket,json\na,b=socket.socketpair(); a.settimeout(0.01)\n" +
        "try: a.recv(1)\nexcept socket.timeout as e: print(json.dumps(type(e).__name__ + ': ' + str(e)))",
    ),
    `${error instanceof Error ? error.name : ""}: timed out`,
  );
  a.close();
  b.close();
});

test("timeout mode: send to a full buffer raises TimeoutError at the timeout", () => {
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  const chunk = new Uint8Array(65536);
  assert.throws(() => {
    for (;;) a.send(chunk);
  }, socket.BlockingIOError);
  a.settimeout(0.1);
  const { ms, error } = timed(() => a.send(chunk));
  isTimeout(error);
  assert.ok(ms >= 90 && ms < scaled(1000), `timed out after ${ms} ms`);
  // with room again, it sends at once
  a.settimeout(5);
  const drain = new Uint8Array(1 << 20);
  b.setblocking(false);
  try {
    for (;;) b.recv_into(drain);
  } catch (e) {
    assert.ok(e instanceof socket.BlockingIOError);
  }
  assert.equal(a.send(chunk.subarray(0, 1)), 1);
  a.close();
  b.close();
});

test("a reset connection: recv_into raises once, then EOF; send raises; in each mode", {
  skip: WINDOWS && "Winsock reports a reset with other errors",
}, () => {
  // recv_into and send make their call before the mode's machinery: the errno of that
  // first attempt is the one raised (a second attempt would find the error consumed and
  // return 0). The first recv_into waits for the reset (blocking, or timeout mode's poll).
  const py = python<unknown[]>(`
import socket, struct, json
out = []
for timeout in (None, 5):
    l = socket.create_server(("127.0.0.1", 0))
    c = socket.create_connection(l.getsockname(), timeout); s, _ = l.accept()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
    for op in (lambda: c.recv_into(bytearray(8)), lambda: c.recv_into(bytearray(8)),
               lambda: c.send(b"x"), lambda: c.send(b"x")):
        try: out.append(op())
        except OSError as e: out.append(type(e).__name__)
    c.close(); l.close()
print(json.dumps(out))
`);
  assert.deepEqual(py.slice(0, 4), [
    "ConnectionResetError",
    0,
    "BrokenPipeError",
    "BrokenPipeError",
  ]);
  const ours: unknown[] = [];
  for (const timeout of [null, 5]) {
    using l = socket.create_server(["127.0.0.1", 0]);
    using c = socket.create_connection(l.getsockname(), timeout);
    const [s] = l.accept();
    s.setsockopt(
      socket.SOL_SOCKET,
      socket.SO_LINGER,
      new Uint8Array(new Int32Array([1, 0]).buffer),
    );
    s.close();
    for (
      const op of [
        () => c.recv_into(new Uint8Array(8)),
        () => c.recv_into(new Uint8Array(8)),
        () => c.send(enc.encode("x")),
        () => c.send(enc.encode("x")),
      ]
    ) {
      try {
        ours.push(op());
      } catch (e) {
        ours.push((e as Error).name);
      }
    }
  }
  assert.deepEqual(ours, py);
});

test("sendall: the timeout is the deadline of the whole call, across partial sends", async () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  const port = (srv.getsockname() as Inet)[1];
  const reader = child("python3", [helper("slow_reader.py"), String(port)]);
  srv.settimeout(10);
  const [conn] = srv.accept();
  conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096);
  conn.settimeout(0.6);
  const big = new Uint8Array(8 * 1024 * 1024);
  const { ms, error } = timed(() => conn.sendall(big));
  isTimeout(error);
  // Each wait was short (the reader takes 1 KiB every 20 ms), so only a deadline for the
  // whole call stops it near 0.6 s; a per-send timeout would run for minutes.
  assert.ok(ms >= 550 && ms < scaled(1500), `sendall took ${ms} ms`);
  conn.close();
  const { code, out } = await reader.done;
  assert.equal(code, 0);
  const total = JSON.parse(out).total as number;
  assert.ok(total > 4096, `the reader got ${total} bytes: sendall made progress first`);
});

test("connect honours the timeout (SYN dropped by a full accept queue)", () => {
  using l = new socket.socket();
  l.bind(["127.0.0.1", 0]);
  l.listen(0);
  using first = socket.create_connection(l.getsockname() as Inet, 5); // fills the queue
  using s = new socket.socket();
  s.settimeout(0.3);
  const { ms, error } = timed(() => s.connect(l.getsockname()));
  isTimeout(error);
  assert.ok(ms >= 280 && ms < scaled(1500), `connect gave up after ${ms} ms`);
  // connect_ex reports the timeout as EAGAIN, as Python does
  using t = new socket.socket();
  t.settimeout(0.2);
  const py = WINDOWS ? errnos.EAGAIN : python<number>(
    "import socket\nl=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(0)\n" +
      "f=socket.create_connection(l.getsockname())\nt=socket.socket(); t.settimeout(0.2)\n" +
      "print(t.connect_ex(l.getsockname()))",
  );
  assert.equal(t.connect_ex(l.getsockname()), py);
  assert.equal(py, errnos.EAGAIN);
  // create_connection with a timeout too
  const r = timed(() => socket.create_connection(l.getsockname() as Inet, 0.2));
  isTimeout(r.error);
  void first;
});

test("accept: the new socket gets the default timeout; blocking when it is null", () => {
  using l = socket.create_server(["127.0.0.1", 0]);
  const addr = l.getsockname() as Inet;
  const accepted = () => {
    const c = socket.create_connection(addr, 5);
    const [conn] = l.accept();
    c.close();
    return conn;
  };
  // default null, listener in timeout mode: the accepted socket is blocking
  l.settimeout(5);
  let conn = accepted();
  assert.equal(conn.gettimeout(), null);
  assert.equal(conn.getblocking(), true);
  conn.close();
  // default set: the accepted socket takes the default, not the listener's
  socket.setdefaulttimeout(2.5);
  try {
    conn = accepted();
    assert.equal(conn.gettimeout(), 2.5);
    conn.close();
    l.settimeout(null);
    conn = accepted();
    assert.equal(conn.gettimeout(), 2.5);
    conn.close();
  } finally {
    socket.setdefaulttimeout(null);
  }
  // a non-blocking listener (with a connection pending) gives a blocking socket
  const c = socket.create_connection(addr, 5);
  l.setblocking(false);
  [conn] = l.accept();
  assert.equal(conn.gettimeout(), null);
  assert.equal(conn.getblocking(), true);
  // Python agrees on all three
  const py = python<unknown[]>(`
import socket, json
l = socket.create_server(("127.0.0.1", 0)); out = []
def acc():
    c = socket.create_connection(l.getsockname()); conn, _ = l.accept(); c.close()
    out.append(conn.gettimeout()); conn.close()
l.settimeout(5); acc()
socket.setdefaulttimeout(2.5); acc(); l.settimeout(None); acc(); socket.setdefaulttimeout(None)
l.setblocking(False); c = socket.create_connection(l.getsockname()); acc()
print(json.dumps(out))
`);
  assert.deepEqual(py, [null, 2.5, 2.5, null]);
  conn.close();
  c.close();
});

const CHILD = (mod: string) => `
import * as socket from ${JSON.stringify(mod)};
// A handler without SA_RESTART, so a blocked recv(2) returns EINTR: getpid, which
// ignores its argument, stands in for a C signal handler.
const lib = Deno.dlopen("libc.so.6", {
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
  sigaction: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  __errno_location: { parameters: [], result: "pointer" },
});
const handler = lib.symbols.dlsym(null, new TextEncoder().encode("getpid\\0"));
const act = new Uint8Array(152); // struct sigaction: handler, mask[128], flags, restorer
new DataView(act.buffer).setBigUint64(0, BigInt(Deno.UnsafePointer.value(handler)), true);
if (lib.symbols.sigaction(12 /* SIGUSR2 */, act, null) !== 0) throw new Error("sigaction");
let usr1 = 0;
Deno.addSignalListener("SIGUSR1", () => usr1++);

const s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
s.bind(["127.0.0.1", 0]);
console.log(JSON.stringify({ pid: Deno.pid, port: s.getsockname()[1] }));
const result = {};
const outcome = (f) => {
  const t = performance.now();
  try {
    const v = f();
    return { ok: v instanceof Uint8Array ? new TextDecoder().decode(v) : v, ms: performance.now() - t };
  } catch (e) {
    return { error: e.name, message: e.message, ms: performance.now() - t };
  }
};
// A: control, libc's recv without retry: the signal interrupts it
const r = lib.symbols.recv(s.fileno(), new Uint8Array(16), 16n, 0);
result.raw = { r: Number(r), errno: new Deno.UnsafePointerView(lib.symbols.__errno_location()).getInt32() };
// B: blocking recv_into (its direct first call), interrupted by SIGUSR2 several times
const into = (b) => b.subarray(0, s.recv_into(b));
result.blocking = outcome(() => into(new Uint8Array(100)));
// C: timeout mode: poll() interrupted, the wait goes on
s.settimeout(5);
result.timeout = outcome(() => s.recv(100));
// D: the deadline holds across interruptions: 0.12 s, not restarted per signal
s.settimeout(0.12);
result.deadline = outcome(() => s.recv(100));
s.settimeout(5);
result.after = outcome(() => into(new Uint8Array(100)));
// E: SIGUSR1 goes to Deno's own signal listener
s.settimeout(null);
result.denoSignal = outcome(() => s.recv(100));
await new Promise((r) => setTimeout(r, 50));
result.usr1 = usr1;
console.log(JSON.stringify(result));
Deno.exit(0);
`;

test("PEP 475: a recv interrupted by signals is retried, not InterruptedError", async (t) => {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (!deno) {
    t.skip("the child installs a signal handler with Deno FFI: runs under Deno only");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "socket-eintr-"));
  try {
    const file = join(dir, "child.ts");
    writeFileSync(file, CHILD(new URL("../mod.ts", import.meta.url).href));
    const kid = child(deno.execPath(), ["run", "-A", "--quiet", file]);
    const ready = JSON.parse(await kid.line());
    const sig = child("python3", [helper("signaller.py"), String(ready.pid), String(ready.port)]);
    const [res, sent] = await Promise.all([kid.done, sig.done]);
    assert.equal(res.code, 0, res.err);
    assert.equal(sent.code, 0, sent.err);
    assert.equal(JSON.parse(sent.out).sent, 24);
    const result = JSON.parse(res.out.split("\n")[1]);
    // the signals really interrupt the system call...
    assert.deepEqual(result.raw, { r: -1, errno: errnos.EINTR });
    // ...and ours retries it
    assert.equal(result.blocking.ok, "one", JSON.stringify(result.blocking));
    assert.equal(result.timeout.ok, "two", JSON.stringify(result.timeout));
    assert.equal(result.deadline.error, "TimeoutError");
    assert.equal(result.deadline.message, "timed out");
    assert.ok(
      result.deadline.ms >= 110 && result.deadline.ms < scaled(600),
      `${result.deadline.ms}`,
    );
    assert.equal(result.after.ok, "three");
    assert.equal(result.denoSignal.ok, "four");
    assert.ok(result.usr1 >= 1, "Deno's SIGUSR1 listener ran");
  } finally {
    rmSync(dir, { recursive: true });
  }
});
