/**
 * The socket object and the module functions around it: constructor forms, every
 * method, attributes, repr, `using`, the conveniences (create_connection,
 * create_server, socketpair, fromfd, send_fds/recv_fds, default timeout), and the
 * safety rules (EBADF after close without touching a reused descriptor number,
 * MSG_NOSIGNAL, idempotent close/detach).
 */
import { DARWIN, LINUX, test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync } from "./helpers/host.ts";
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import * as socket from "../mod.ts";
import { python } from "./helpers/python.ts";
import { table } from "../constants/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
type Inet = [string, number];

/** A listening TCP socket on 127.0.0.1 and a connected pair from it. */
function tcpPair(): { srv: socket.socket; cli: socket.socket; conn: socket.socket } {
  const srv = socket.create_server(["127.0.0.1", 0]);
  const cli = socket.create_connection(srv.getsockname() as Inet, 10);
  const [conn] = srv.accept();
  conn.settimeout(10);
  return { srv, cli, conn };
}

function closeAll(...socks: socket.socket[]): void {
  for (const s of socks) s.close();
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "socket-test-"));
}

/** Reads exactly n bytes. */
/**
 * What getsockopt gives for a boolean SOL_SOCKET option `opt` that is on: 1 on Linux and
 * Windows; XNU answers SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, ... with the option's
 * flag bit (bsd/kern/uipc_socket.c, sogetoptlock: `so->so_options & sopt->sopt_name`),
 * and CPython passes it on.
 */
function on(opt: number): number {
  return DARWIN ? opt : 1;
}

/** Reads exactly n bytes. */
function recvExactly(s: socket.socket, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const k = s.recv_into(out.subarray(got));
    if (k === 0) break;
    got += k;
  }
  return out.subarray(0, got);
}

test("constructor defaults: AF_INET, SOCK_STREAM, proto 0, blocking, close-on-exec", () => {
  using s = new socket.socket();
  assert.equal(s.family, socket.AF_INET);
  assert.equal(s.type, socket.SOCK_STREAM);
  assert.equal(s.proto, 0);
  assert.equal(s.timeout, null);
  assert.equal(s.gettimeout(), null);
  assert.equal(s.getblocking(), true);
  assert.equal(s.get_inheritable(), false);
  assert.ok(s.fileno() >= 0);
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), socket.SOCK_STREAM);
  // Python's defaults, the same on the same machine.
  const py = python<number[]>(
    "import socket,json; s=socket.socket(); print(json.dumps([s.family, s.type, s.proto]))",
  );
  assert.deepEqual([s.family, s.type, s.proto], py);
  // Explicit arguments and -1/null meaning "default".
  using u = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, 0);
  assert.equal(u.family, socket.AF_INET6);
  assert.equal(u.type, socket.SOCK_DGRAM);
  using d = new socket.socket(-1, -1, -1);
  assert.equal(d.family, socket.AF_INET);
  assert.equal(d.type, socket.SOCK_STREAM);
  assert.ok(socket.SocketType === socket.socket);
});

test("fileno constructor reads family, type and proto from the descriptor", () => {
  const orig = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  orig.bind(["::1", 0]);
  const name = orig.getsockname();
  const fd = orig.detach();
  assert.equal(orig.fileno(), -1);
  using s = new socket.socket(null, null, null, fd);
  assert.equal(s.fileno(), fd);
  assert.equal(s.family, socket.AF_INET6);
  assert.equal(s.type, socket.SOCK_DGRAM);
  // macOS has no SO_PROTOCOL: the protocol is 0 there, as CPython's
  assert.equal(s.proto, DARWIN ? 0 : socket.IPPROTO_UDP);
  assert.deepEqual(s.getsockname(), name);
  // Given values win over the descriptor's.
  const [a, b] = socket.socketpair();
  using t = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, a.detach());
  assert.equal(t.family, socket.AF_UNIX);
  assert.equal(t.proto, 0);
  b.close();
  assert.throws(() => new socket.socket(null, null, null, -5), RangeError);
});

test("cloexec: default not inheritable; {cloexec:false} is inherited by a child", () => {
  using def = new socket.socket();
  assert.equal(def.get_inheritable(), false);
  using inh = new socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, null, { cloexec: false });
  assert.equal(inh.get_inheritable(), true);
  const mine = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);
  const inChild = (fd: number) =>
    execFileSync("sh", ["-c", `readlink /proc/$$/fd/${fd} || echo none`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  // Bun's child_process (and Bun.spawn) close every descriptor above 2 in the child,
  // inheritable or not: there a child cannot show what it inherited.
  const childSees = !("Bun" in globalThis);
  if (!childSees) {
    console.log("cloexec: the child checks skipped: Bun's spawn closes descriptors above 2");
  }
  assert.match(mine(inh.fileno()), /^socket:\[\d+\]$/);
  if (childSees) assert.equal(inChild(inh.fileno()), mine(inh.fileno()));
  if (childSees) assert.notEqual(inChild(def.fileno()), mine(def.fileno()));
  // set_inheritable flips it both ways, and the child sees it.
  def.set_inheritable(true);
  assert.equal(def.get_inheritable(), true);
  if (childSees) assert.equal(inChild(def.fileno()), mine(def.fileno()));
  inh.set_inheritable(false);
  assert.equal(inh.get_inheritable(), false);
  if (childSees) assert.notEqual(inChild(inh.fileno()), mine(inh.fileno()));
  // socketpair and accept take the option too.
  const [p, q] = socket.socketpair(null, socket.SOCK_STREAM, 0, { cloexec: false });
  assert.equal(p.get_inheritable(), true);
  closeAll(p, q);
  using srv = socket.create_server(["127.0.0.1", 0]);
  using c = socket.create_connection(srv.getsockname() as Inet);
  const [conn] = srv.accept({ cloexec: false });
  assert.equal(conn.get_inheritable(), true);
  conn.close();
  using c2 = socket.create_connection(srv.getsockname() as Inet);
  const [conn2] = srv.accept();
  assert.equal(conn2.get_inheritable(), false);
  conn2.close();
  void c;
  void c2;
});

test("type masks SOCK_NONBLOCK and SOCK_CLOEXEC; SOCK_NONBLOCK means timeout 0", () => {
  using s = new socket.socket(
    socket.AF_INET,
    socket.SOCK_STREAM | socket.SOCK_NONBLOCK! | socket.SOCK_CLOEXEC!,
  );
  assert.equal(s.type, socket.SOCK_STREAM);
  assert.equal(s.gettimeout(), 0);
  assert.equal(s.getblocking(), false);
  assert.ok(String(s).includes("type=SOCK_STREAM"));
  using d = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC!);
  assert.equal(d.type, socket.SOCK_DGRAM);
  assert.equal(d.gettimeout(), null);
});

test("bind, listen (default backlog), accept, connect, getsockname, getpeername", () => {
  using srv = new socket.socket();
  srv.bind(["127.0.0.1", 0]);
  srv.listen();
  const [host, port] = srv.getsockname() as Inet;
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0);
  // The backlog the kernel got: min(SOMAXCONN, 128), as Python's default (ss is Linux's).
  if (LINUX) {
    const ss = execFileSync("ss", ["-ltnH", "sport", "=", String(port)], { encoding: "utf8" });
    const backlog = Number(ss.trim().split(/\s+/)[2]);
    assert.equal(backlog, Math.min(socket.SOMAXCONN, 128));
  }
  using cli = new socket.socket();
  cli.connect([host, port]);
  const [conn, addr] = srv.accept();
  assert.deepEqual(addr, cli.getsockname());
  assert.deepEqual(conn.getpeername(), cli.getsockname());
  assert.deepEqual(cli.getpeername(), [host, port]);
  assert.equal(conn.family, socket.AF_INET);
  assert.equal(conn.type, socket.SOCK_STREAM);
  conn.close();
  // listen with an explicit and a negative backlog
  using l2 = new socket.socket();
  l2.bind(["127.0.0.1", 0]);
  l2.listen(-5);
  const port2 = (l2.getsockname() as Inet)[1];
  if (LINUX) {
    const ss2 = execFileSync("ss", ["-ltnH", "sport", "=", String(port2)], { encoding: "utf8" });
    assert.equal(Number(ss2.trim().split(/\s+/)[2]), 0);
  }
  // getpeername on an unconnected socket: ENOTCONN, as Python
  using lone = new socket.socket();
  assert.throws(
    () => lone.getpeername(),
    (e: socket.OSError) => e.errno === socket_errno("ENOTCONN"),
  );
});

function socket_errno(name: string): number {
  // Under Wine the oracle is Linux's python3; Python's errno on Windows is the table's.
  if (WINDOWS) return table.errno[name]!;
  return python<number>(`import errno; print(errno.${name})`);
}

test("connect_ex returns the errno instead of raising", () => {
  using probe = new socket.socket();
  probe.bind(["127.0.0.1", 0]);
  const port = (probe.getsockname() as Inet)[1];
  probe.close(); // nothing listens there now
  using s = new socket.socket();
  const err = s.connect_ex(["127.0.0.1", port]);
  assert.equal(err, socket_errno("ECONNREFUSED"));
  using srv = socket.create_server(["127.0.0.1", 0]);
  using t = new socket.socket();
  assert.equal(t.connect_ex(srv.getsockname()), 0);
  // Address errors are still raised.
  assert.throws(() => t.connect_ex(["127.0.0.1", 70000]), RangeError);
  assert.throws(() => s.connect(["127.0.0.1", port]), socket.ConnectionRefusedError);
});

test("detach, dup, fromfd, close(fd)", () => {
  const s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  const name = s.getsockname();
  using d = s.dup();
  assert.notEqual(d.fileno(), s.fileno());
  assert.deepEqual(d.getsockname(), name);
  assert.equal(d.get_inheritable(), false);
  assert.equal(d.type, socket.SOCK_DGRAM);
  using f = socket.fromfd(s.fileno(), socket.AF_INET, socket.SOCK_DGRAM);
  assert.notEqual(f.fileno(), s.fileno());
  assert.deepEqual(f.getsockname(), name);
  using g = socket.fromfd(s.fileno());
  assert.equal(g.family, socket.AF_INET);
  assert.equal(g.type, socket.SOCK_DGRAM);
  const fd = s.detach();
  assert.equal(s.fileno(), -1);
  assert.equal(s.detach(), -1); // idempotent
  s.close(); // no effect on the detached descriptor
  if (LINUX) assert.match(readlinkSync(`/proc/self/fd/${fd}`), /^socket:/);
  socket.close(fd);
  if (LINUX) assert.throws(() => readlinkSync(`/proc/self/fd/${fd}`));
  assert.throws(
    () => socket.close(fd),
    (e: socket.OSError) => e.errno === socket_errno(WINDOWS ? "ENOTSOCK" : "EBADF"),
  );
  // the dup still works after the original is gone
  d.sendto(enc.encode("x"), d.getsockname());
  assert.deepEqual(dec.decode(f.recv(10)), "x");
});

test("getsockopt int and buflen forms; setsockopt int, bytes and (level, opt, null, optlen)", () => {
  using s = new socket.socket();
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 0);
  s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  assert.equal(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), on(socket.SO_REUSEADDR));
  s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, true as unknown as number);
  // buflen form: raw bytes of the int
  const raw = s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 4) as Uint8Array;
  assert.deepEqual(Array.from(raw), [on(socket.SO_REUSEADDR), 0, 0, 0]);
  // bytes form: struct linger {int onoff; int linger;} (Windows: two u_shorts)
  const Linger = WINDOWS ? Uint16Array : Int32Array;
  const linger = new Uint8Array(new Linger([1, 7]).buffer);
  s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger);
  const back = s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger.length) as Uint8Array;
  assert.deepEqual(Array.from(new Linger(back.slice().buffer)), [1, 7]);
  // Linux only: its python3 (the oracle under Wine) and SO_BINDTODEVICE.
  if (!WINDOWS) {
    // same bytes as Python for the same option
    const py = python<number[]>(
      "import socket,struct,json; s=socket.socket(); " +
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii',1,7)); " +
        "print(json.dumps(list(s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))))",
    );
    assert.deepEqual(Array.from(back), py);
    // null value with optlen: SO_BINDTODEVICE with length 0 removes the binding (root).
    // qemu-user (scripts/run_aarch64.sh) does not translate this option: skipped there.
    // macOS 15's SO_BINDTODEVICE is its own (and "lo" is lo0 there): Linux's semantics only.
    if (!LINUX) {
      console.log("SO_BINDTODEVICE part skipped: Linux's option semantics");
    } else if (process.env.SOCKET_TEST_UNDER_QEMU !== "1") {
      s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE!, enc.encode("lo"));
      const dev = s.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE!, 16) as Uint8Array;
      assert.equal(dec.decode(dev).replace(/\0+$/, ""), "lo");
      s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE!, null, 0);
      const none = s.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE!, 16) as Uint8Array;
      assert.equal(dec.decode(none).replace(/\0+$/, ""), "");
    } else {
      console.log("SO_BINDTODEVICE part skipped: qemu-user does not emulate the option");
    }
  }
  // errors: buflen out of range, unknown option
  assert.throws(() => s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 2000), socket.OSError);
  assert.throws(
    () => s.setsockopt(socket.SOL_SOCKET, 9999, 1),
    (e: socket.OSError) => e.errno === socket_errno("ENOPROTOOPT"),
  );
  assert.throws(() => s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1.5), TypeError);
});

test("gettimeout, settimeout, setblocking, getblocking", () => {
  using s = new socket.socket();
  s.settimeout(2.5);
  assert.equal(s.gettimeout(), 2.5);
  assert.equal(s.timeout, 2.5);
  assert.equal(s.getblocking(), true);
  s.settimeout(0);
  assert.equal(s.gettimeout(), 0);
  assert.equal(s.getblocking(), false);
  s.setblocking(true);
  assert.equal(s.gettimeout(), null);
  assert.equal(s.getblocking(), true);
  s.setblocking(false);
  assert.equal(s.gettimeout(), 0);
  s.settimeout(null);
  assert.equal(s.gettimeout(), null);
  assert.throws(() => s.settimeout(-1), {
    name: "RangeError",
    message: "Timeout value out of range",
  });
  assert.throws(() => s.settimeout("1" as unknown as number), TypeError);
  assert.throws(() => s.settimeout(NaN), RangeError);
});

test("recv, recv_into, recvfrom, recvfrom_into, send, sendall, sendto (both forms)", () => {
  const { srv, cli, conn } = tcpPair();
  assert.equal(cli.send(enc.encode("hello")), 5);
  assert.equal(dec.decode(recvExactly(conn, 5)), "hello");
  cli.sendall(new Uint16Array([0x4241, 0x4443])); // any ArrayBufferView
  assert.equal(dec.decode(recvExactly(conn, 4)), "ABCD");
  // recv_into with nbytes and a sub-view
  cli.sendall(enc.encode("0123456789"));
  const buf = new Uint8Array(16).fill(0x2e);
  assert.equal(conn.recv_into(buf, 4), 4);
  assert.equal(dec.decode(buf), "0123............");
  assert.equal(recvExactly(conn, 6).length, 6);
  // MSG_PEEK leaves the data
  cli.sendall(enc.encode("peek"));
  assert.equal(dec.decode(recvExactly(conn, 0)), "");
  assert.equal(dec.decode(conn.recv(4, socket.MSG_PEEK)), "peek");
  assert.equal(dec.decode(conn.recv(4)), "peek");
  // recvfrom on a stream socket gives the peer (None on Linux TCP: no address)
  cli.sendall(enc.encode("x"));
  const [data, from] = conn.recvfrom(10);
  assert.equal(dec.decode(data), "x");
  const pyFrom = python<unknown>(
    "import socket,json\nsrv=socket.create_server(('127.0.0.1',0)); c=socket.create_connection(srv.getsockname())\n" +
      "a,_=srv.accept(); c.send(b'x'); print(json.dumps(a.recvfrom(10)[1]))",
  );
  // Winsock fills in the peer (under Wine; Windows documents the argument as ignored).
  if (!WINDOWS) assert.deepEqual(from, pyFrom);
  closeAll(cli, conn, srv);

  using a = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  a.bind(["127.0.0.1", 0]);
  using b = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  b.bind(["127.0.0.1", 0]);
  assert.equal(b.sendto(enc.encode("one"), a.getsockname()), 3);
  assert.equal(b.sendto(enc.encode("two"), 0, a.getsockname()), 3);
  const [d1, f1] = a.recvfrom(100);
  assert.equal(dec.decode(d1), "one");
  assert.deepEqual(f1, b.getsockname());
  const into = new Uint8Array(10);
  const [n2, f2] = a.recvfrom_into(into);
  assert.equal(n2, 3);
  assert.equal(dec.decode(into.subarray(0, 3)), "two");
  assert.deepEqual(f2, b.getsockname());
  b.sendto(enc.encode("three"), a.getsockname());
  if (WINDOWS) {
    // Winsock fails a datagram longer than the buffer with WSAEMSGSIZE (so does Python).
    assert.throws(() => a.recvfrom_into(into, 2), { errno: table.errno.EMSGSIZE });
  } else {
    const [n3] = a.recvfrom_into(into, 2);
    assert.equal(n3, 2); // datagram truncated to nbytes
  }
  assert.throws(() => a.recvfrom_into(into, 11), {
    name: "RangeError",
    message: "nbytes is greater than the length of the buffer",
  });
  assert.throws(() => a.recv(-1), RangeError);
  assert.throws(
    () => (b.sendto as (...x: unknown[]) => number)(enc.encode("x")),
    TypeError,
  );
});

test("sendall moves megabytes to a concurrent reader", async () => {
  // The reader is python3, so our blocking sendall has a real concurrent peer.
  using srv = socket.create_server(["127.0.0.1", 0]);
  const port = (srv.getsockname() as Inet)[1];
  const { spawn } = await import("./helpers/host.ts");
  const child = spawn("python3", [
    "-c",
    "import socket,sys,hashlib\ns=socket.create_connection(('127.0.0.1',int(sys.argv[1])),10)\n" +
    "h=hashlib.sha256(); n=0\nwhile True:\n d=s.recv(65536)\n if not d: break\n h.update(d); n+=len(d)\n" +
    "print(n, h.hexdigest())",
    String(port),
  ], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c) => out += c);
  const exited = new Promise((r) => child.on("close", r));
  srv.settimeout(10);
  const [conn] = srv.accept();
  const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 7) % 256);
  conn.sendall(big);
  conn.close();
  await exited;
  const digest = python<string>(
    `import hashlib,json; print(json.dumps(hashlib.sha256(bytes((i*7)%256 for i in range(${big.length}))).hexdigest()))`,
  );
  assert.equal(out.trim(), `${big.length} ${digest}`);
});

test("sendfile from a descriptor and from a path, with offset and count", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "data.bin");
    const content = new Uint8Array(40000).map((_, i) => (i * 13) % 256);
    writeFileSync(path, content);
    const { srv, cli, conn } = tcpPair();
    assert.equal(cli.sendfile(path), content.length);
    assert.deepEqual(recvExactly(conn, content.length), content);
    // A descriptor is a C runtime number on Windows, not the HANDLE sendfile reads.
    const fd = WINDOWS ? -1 : openSync(path, "r");
    if (!WINDOWS) {
      try {
        assert.equal(cli.sendfile(fd, 100, 50), 50);
        assert.deepEqual(recvExactly(conn, 50), content.subarray(100, 150));
        assert.equal(cli.sendfile(fd, content.length - 10), 10);
        assert.deepEqual(recvExactly(conn, 10), content.subarray(content.length - 10));
      } finally {
        closeSync(fd);
      }
    }
    assert.throws(() => cli.sendfile(path, -1), RangeError);
    assert.throws(() => cli.sendfile(path, 0, 0), RangeError);
    assert.throws(() => cli.sendfile(join(dir, "missing")), socket.FileNotFoundError);
    using u = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    assert.throws(() => u.sendfile(path), RangeError);
    closeAll(srv, cli, conn);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("shutdown: SHUT_WR gives the peer EOF; the other half still works", () => {
  const [a, b] = socket.socketpair();
  a.shutdown(socket.SHUT_WR);
  assert.equal(b.recv(10).length, 0);
  b.send(enc.encode("back"));
  assert.equal(dec.decode(a.recv(10)), "back");
  assert.throws(() => a.send(enc.encode("x")), socket.BrokenPipeError);
  closeAll(a, b);
  using lone = new socket.socket();
  assert.throws(() => lone.shutdown(socket.SHUT_RDWR), socket.OSError);
});

test("Symbol.dispose: `using` closes the socket at the end of the block", () => {
  let kept: socket.socket;
  {
    using s = new socket.socket();
    kept = s;
    assert.ok(s.fileno() >= 0);
  }
  assert.equal(kept.fileno(), -1);
  assert.throws(() => kept.getsockname(), socket.OSError);
});

test("repr: String(), util.inspect with laddr/raddr and [closed]", () => {
  const { srv, cli, conn } = tcpPair();
  const [, sport] = srv.getsockname() as Inet;
  const [, cport] = cli.getsockname() as Inet;
  assert.equal(
    String(srv),
    `<socket.socket fd=${srv.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('127.0.0.1', ${sport})>`,
  );
  // create_connection's socket has getaddrinfo's proto (6 on Linux), as Python's.
  const proto = socket.getaddrinfo("127.0.0.1", sport, 0, socket.SOCK_STREAM)[0][2];
  assert.equal(
    String(cli),
    `<socket.socket fd=${cli.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=${proto}, laddr=('127.0.0.1', ${cport}), raddr=('127.0.0.1', ${sport})>`,
  );
  assert.equal(inspect(cli), String(cli));
  assert.equal(`${conn}`.includes(`raddr=('127.0.0.1', ${cport})`), true);
  srv.close();
  assert.equal(
    String(srv),
    "<socket.socket [closed] fd=-1, family=AF_INET, type=SOCK_STREAM, proto=0>",
  );
  assert.equal(inspect(srv), String(srv));
  const denoInspect = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno?.inspect;
  if (denoInspect) assert.equal(denoInspect(cli), String(cli));
  if (!WINDOWS) { // no AF_UNIX under Wine
    using u = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
    assert.equal(
      String(u),
      `<socket.socket fd=${u.fileno()}, family=AF_UNIX, type=SOCK_DGRAM, proto=0>`,
    );
  }
  using v6 = new socket.socket(socket.AF_INET6);
  v6.bind(["::1", 0]);
  assert.ok(String(v6).endsWith(`laddr=('::1', ${v6.getsockname()[1]}, 0, 0)>`));
  closeAll(cli, conn);
});

test("socketpair: AF_UNIX stream by default; SOCK_DGRAM; AF_INET refused as Linux does", () => {
  const [a, b] = socket.socketpair();
  assert.equal(a.family, socket.AF_UNIX);
  assert.equal(a.type, socket.SOCK_STREAM);
  a.sendall(enc.encode("ping"));
  assert.equal(dec.decode(b.recv(4)), "ping");
  closeAll(a, b);
  const [c, d] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  c.send(enc.encode("one"));
  c.send(enc.encode("two"));
  assert.equal(dec.decode(d.recv(100)), "one"); // message boundaries kept
  assert.equal(dec.decode(d.recv(100)), "two");
  closeAll(c, d);
});

test("create_connection: timeout, source_address, errors and all_errors", () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  const addr = srv.getsockname() as Inet;
  using c1 = socket.create_connection(addr);
  assert.equal(c1.gettimeout(), null);
  using c2 = socket.create_connection(addr, 3.5);
  assert.equal(c2.gettimeout(), 3.5);
  using c3 = socket.create_connection(addr, null);
  assert.equal(c3.gettimeout(), null);
  socket.setdefaulttimeout(4);
  try {
    using c4 = socket.create_connection(addr);
    assert.equal(c4.gettimeout(), 4);
  } finally {
    socket.setdefaulttimeout(null);
  }
  // source_address is bound before connecting
  using probe = new socket.socket();
  probe.bind(["127.0.0.1", 0]);
  const src = probe.getsockname() as Inet;
  probe.close();
  using c5 = socket.create_connection(addr, null, ["127.0.0.1", src[1]]);
  assert.deepEqual(c5.getsockname(), src);
  // "localhost" may be ::1 and 127.0.0.1: a refused port fails on every address
  using dead = new socket.socket();
  dead.bind(["127.0.0.1", 0]);
  const deadPort = (dead.getsockname() as Inet)[1];
  dead.close();
  assert.throws(
    () => socket.create_connection(["127.0.0.1", deadPort]),
    socket.ConnectionRefusedError,
  );
  try {
    socket.create_connection(["localhost", deadPort], null, null, { all_errors: true });
    assert.fail("connected to a closed port");
  } catch (e) {
    assert.ok(e instanceof AggregateError);
    assert.ok(e.errors.length >= 1);
    for (const inner of e.errors) assert.ok(inner instanceof socket.ConnectionRefusedError);
    const pyCount = python<number>(
      `import socket,json\ntry:\n socket.create_connection(('localhost',${deadPort}),all_errors=True)\nexcept ExceptionGroup as g:\n print(len(g.exceptions))`,
    );
    assert.equal(e.errors.length, pyCount);
  }
  // drain the accept queue
  for (let i = 0; i < 5; i++) srv.accept()[0].close();
});

test("create_server: family, backlog, reuse_port, dualstack_ipv6; has_dualstack_ipv6", () => {
  using s4 = socket.create_server(["127.0.0.1", 0]);
  assert.equal(s4.family, socket.AF_INET);
  assert.equal(s4.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), on(socket.SO_REUSEADDR));
  // XNU's sogetopt has no SO_ACCEPTCONN case: ENOPROTOOPT there (and in Python there).
  if (!DARWIN) assert.equal(s4.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN), 1);
  using s6 = socket.create_server(["::1", 0], { family: socket.AF_INET6, backlog: 7 });
  assert.equal(s6.family, socket.AF_INET6);
  assert.equal(s6.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), 1);
  const port6 = s6.getsockname()[1];
  if (LINUX) { // ss is Linux's
    const ss = execFileSync("ss", ["-ltnH", "sport", "=", String(port6)], { encoding: "utf8" });
    assert.equal(Number(ss.trim().split(/\s+/)[2]), 7);
  }
  // reuse_port: two servers on one port
  using r1 = socket.create_server(["127.0.0.1", 0], { reuse_port: true });
  assert.equal(r1.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT!), on(socket.SO_REUSEPORT!));
  using r2 = socket.create_server(r1.getsockname(), { reuse_port: true });
  assert.deepEqual(r2.getsockname(), r1.getsockname());
  // without it, EADDRINUSE with Python's message
  const py = python<string>(
    `import socket,json\nr=socket.create_server(('127.0.0.1',0))\ntry:\n socket.create_server(r.getsockname())\nexcept OSError as e:\n print(json.dumps([type(e).__name__, e.errno, e.strerror.split(' (')[0], str(r.getsockname()[1])]))`,
  ) as unknown as [string, number, string, string];
  try {
    socket.create_server(r1.getsockname());
    assert.fail("bound twice");
  } catch (e) {
    const err = e as socket.OSError;
    assert.equal(err.name, py[0]);
    assert.equal(err.errno, py[1]);
    assert.equal(
      err.message,
      `[Errno ${py[1]}] ${py[2]} (while attempting to bind on address ('127.0.0.1', ${
        (r1.getsockname() as Inet)[1]
      }))`,
    );
  }
  // dual stack: one AF_INET6 socket accepts IPv4
  assert.equal(socket.has_dualstack_ipv6(), true);
  using ds = socket.create_server(["", 0], { family: socket.AF_INET6, dualstack_ipv6: true });
  assert.equal(ds.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), 0);
  const dsPort = ds.getsockname()[1];
  using v4 = socket.create_connection(["127.0.0.1", dsPort]);
  const [c4, a4] = ds.accept();
  assert.equal(a4[0], "::ffff:127.0.0.1");
  c4.close();
  using v6 = socket.create_connection(["::1", dsPort]);
  const [c6, a6] = ds.accept();
  assert.equal(a6[0], "::1");
  c6.close();
  void v4;
  void v6;
  assert.throws(
    () => socket.create_server(["127.0.0.1", 0], { dualstack_ipv6: true }),
    { name: "RangeError", message: "dualstack_ipv6 requires AF_INET6 family" },
  );
});

test("getdefaulttimeout / setdefaulttimeout apply to new sockets", () => {
  assert.equal(socket.getdefaulttimeout(), null);
  socket.setdefaulttimeout(1.25);
  try {
    assert.equal(socket.getdefaulttimeout(), 1.25);
    using s = new socket.socket();
    assert.equal(s.gettimeout(), 1.25);
    const [a, b] = socket.socketpair();
    assert.equal(a.gettimeout(), 1.25);
    closeAll(a, b);
    assert.throws(() => socket.setdefaulttimeout(-2), RangeError);
    socket.setdefaulttimeout(0);
    using n = new socket.socket();
    assert.equal(n.getblocking(), false);
  } finally {
    socket.setdefaulttimeout(null);
  }
  using t = new socket.socket();
  assert.equal(t.gettimeout(), null);
});

test("send_fds / recv_fds over a socketpair", () => {
  const [a, b] = socket.socketpair();
  const [x, y] = socket.socketpair();
  assert.equal(socket.send_fds(a, [enc.encode("fds")], [x.fileno(), y.fileno()]), 3);
  const [data, fds, flags, addr] = socket.recv_fds(b, 10, 2);
  assert.equal(dec.decode(data), "fds");
  assert.equal(fds.length, 2);
  assert.equal(flags, 0);
  assert.equal(addr, null); // Python: None for an unnamed socketpair peer
  // the received descriptors are the same sockets
  using rx = new socket.socket(null, null, null, fds[0]);
  using ry = new socket.socket(null, null, null, fds[1]);
  rx.send(enc.encode("via received fd"));
  assert.equal(dec.decode(y.recv(100)), "via received fd");
  ry.send(enc.encode("and back"));
  assert.equal(dec.decode(x.recv(100)), "and back");
  // As Python (no MSG_CMSG_CLOEXEC), received descriptors are inheritable.
  assert.equal(rx.get_inheritable(), true);
  closeAll(a, b, x, y);
});

// ---- safety ---------------------------------------------------------------------------------

test("after close every operation raises OSError EBADF; close and detach are idempotent", () => {
  // CPython on Windows passes INVALID_SOCKET to Winsock once closed: WSAENOTSOCK there.
  const EBADF = socket_errno(WINDOWS ? "ENOTSOCK" : "EBADF");
  const s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.close();
  s.close();
  assert.equal(s.fileno(), -1);
  assert.equal(s.detach(), -1);
  const ops: [string, () => unknown][] = [
    ["accept", () => s.accept()],
    ["bind", () => s.bind(["127.0.0.1", 0])],
    ["connect", () => s.connect(["127.0.0.1", 9])],
    ["connect_ex", () => s.connect_ex(["127.0.0.1", 9])],
    ["dup", () => s.dup()],
    ["get_inheritable", () => s.get_inheritable()],
    ["set_inheritable", () => s.set_inheritable(true)],
    ["getpeername", () => s.getpeername()],
    ["getsockname", () => s.getsockname()],
    ["getsockopt", () => s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)],
    ["getsockopt buflen", () => s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 4)],
    ["setsockopt", () => s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)],
    ["settimeout", () => s.settimeout(1)],
    ["setblocking", () => s.setblocking(false)],
    ["getblocking", () => s.getblocking()],
    ["listen", () => s.listen()],
    ["recv", () => s.recv(10)],
    ["recv_into", () => s.recv_into(new Uint8Array(4))],
    ["recvfrom", () => s.recvfrom(10)],
    ["recvfrom_into", () => s.recvfrom_into(new Uint8Array(4))],
    ["recvmsg", () => s.recvmsg(10)],
    ["recvmsg_into", () => s.recvmsg_into([new Uint8Array(4)])],
    ["send", () => s.send(enc.encode("x"))],
    ["sendall", () => s.sendall(enc.encode("x"))],
    ["sendall empty", () => s.sendall(new Uint8Array(0))],
    ["sendto", () => s.sendto(enc.encode("x"), ["127.0.0.1", 9])],
    ["sendmsg", () => s.sendmsg([enc.encode("x")])],
    ["sendfile", () => s.sendfile("/etc/hostname")],
    ["shutdown", () => s.shutdown(socket.SHUT_RDWR)],
    ["makefile", () => s.makefile("rb")],
  ];
  for (const [name, op] of ops) {
    // Windows: no sendmsg/recvmsg (CPython lacks them there).
    if (WINDOWS && /msg/.test(name)) continue;
    assert.throws(op, (e: unknown) => {
      assert.ok(e instanceof socket.OSError, `${name}: ${e}`);
      assert.equal(e.errno, EBADF, name);
      if (WINDOWS) assert.match(e.message, /^\[WinError 10038\] /, name);
      else assert.equal(e.message, "[Errno 9] Bad file descriptor", name);
      return true;
    }, name);
  }
  if (WINDOWS) return; // the oracle below is Linux's python3 under Wine
  // Python agrees on the class and message for a closed socket
  const py = python<string[]>(
    "import socket,json\ns=socket.socket(); s.close()\ntry: s.recv(1)\nexcept OSError as e: print(json.dumps([type(e).__name__, str(e)]))",
  );
  assert.deepEqual(py, ["OSError", "[Errno 9] Bad file descriptor"]);
  assert.equal(s.gettimeout(), null); // attributes still readable
  assert.equal(s.family, socket.AF_INET);
});

test("a closed socket never touches its old descriptor number, now another file's", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "victim.txt");
    writeFileSync(path, "precious");
    const s = new socket.socket();
    const old = s.fileno();
    s.close();
    let fd = openSync(path, "r+");
    const extra: number[] = [];
    for (let i = 0; i < 8 && fd !== old; i++) {
      extra.push(fd);
      fd = openSync(path, "r+");
    }
    for (const e of extra) closeSync(e);
    if (fd !== old) {
      closeSync(fd);
      assert.fail(`descriptor ${old} was not reused (got ${fd})`);
    }
    try {
      const ops = [
        () => s.send(enc.encode("XXXXXXXX")),
        () => s.sendall(enc.encode("XXXXXXXX")),
        () => s.recv(100),
        () => s.settimeout(0),
        () => s.setblocking(false),
        () => s.set_inheritable(true),
        () => s.shutdown(socket.SHUT_RDWR),
        () => s.close(),
        () => s.detach(),
        () => s[Symbol.dispose](),
      ];
      for (const op of ops) {
        try {
          op();
        } catch (e) {
          assert.ok(e instanceof socket.OSError);
          assert.equal(e.errno, 9);
        }
      }
      // the file behind the reused number is open, unchanged and still readable
      assert.ok(fstatSync(fd).isFile());
      assert.equal(readFileSync(path, "utf8"), "precious");
      const buf = Buffer.alloc(8);
      assert.equal(readSync(fd, buf, 0, 8, 0), 8);
      assert.equal(buf.toString(), "precious");
      if (LINUX) { // /proc is Linux's
        assert.equal(readlinkSync(`/proc/self/fd/${fd}`), path);
        // O_NONBLOCK (04000) was not set on the file by settimeout/setblocking
        const info = readFileSync(`/proc/${process.pid}/fdinfo/${fd}`, "utf8");
        const octal = parseInt(info.match(/^flags:\s+([0-7]+)/m)![1], 8);
        assert.equal(octal & 0o4000, 0);
        // nor was close-on-exec cleared (node opens files O_CLOEXEC)
        assert.notEqual(octal & 0o2000000, 0);
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("MSG_NOSIGNAL: sending to a closed peer raises BrokenPipeError, the process lives", () => {
  const [a, b] = socket.socketpair();
  b.close();
  assert.throws(() => a.send(enc.encode("x")), (e: socket.OSError) => {
    assert.ok(e instanceof socket.BrokenPipeError);
    assert.ok(e instanceof socket.ConnectionError);
    assert.equal(e.errno, socket_errno("EPIPE"));
    return true;
  });
  assert.throws(() => a.sendall(enc.encode("x")), socket.BrokenPipeError);
  assert.throws(() => a.sendmsg([enc.encode("x")]), socket.BrokenPipeError);
  a.close();
  // TCP: a reset peer
  const { srv, cli, conn } = tcpPair();
  conn.setsockopt(
    socket.SOL_SOCKET,
    socket.SO_LINGER,
    new Uint8Array(new Int32Array([1, 0]).buffer),
  );
  conn.close(); // RST
  let err: unknown;
  for (let i = 0; i < 10 && !err; i++) {
    try {
      cli.send(new Uint8Array(1000));
    } catch (e) {
      err = e;
    }
  }
  assert.ok(err instanceof socket.ConnectionError, String(err));
  closeAll(srv, cli);
});

test("recv_into with nbytes larger than the buffer: RangeError", () => {
  const [a, b] = socket.socketpair();
  assert.throws(() => b.recv_into(new Uint8Array(4), 8), {
    name: "RangeError",
    message: "buffer too small for requested bytes",
  });
  assert.throws(() => b.recv_into(new Uint8Array(4), -1), {
    name: "RangeError",
    message: "negative buffersize in recv_into",
  });
  const py = python<string[]>(
    "import socket,json\na,b=socket.socketpair()\ntry: b.recv_into(bytearray(4), 8)\nexcept Exception as e: print(json.dumps([type(e).__name__, str(e)]))",
  );
  assert.deepEqual(py, ["ValueError", "buffer too small for requested bytes"]);
  closeAll(a, b);
});

test("recv(0) and recv_into of 0 bytes return at once in every mode, as Python's (no recv(2))", () => {
  const [a, b] = socket.socketpair();
  // A recv(2) of 0 bytes on an empty stream would wait (blocking mode: forever), so only
  // non-blocking and timeout modes are asserted before the close: the others raised there.
  for (const timeout of [0.0, 0.05]) {
    b.settimeout(timeout);
    assert.deepEqual(b.recv(0), new Uint8Array(0), `recv(0), timeout ${timeout}`);
    assert.equal(b.recv_into(new Uint8Array(0)), 0, `recv_into, timeout ${timeout}`);
    assert.equal(b.recv_into(new Uint8Array(8).subarray(8), 0), 0);
  }
  b.close();
  // CPython returns before it looks at the descriptor
  const py = python<unknown[]>(
    "import socket,json\na,b=socket.socketpair()\nb.settimeout(0.0)\nr=[b.recv(0).hex(), b.recv_into(bytearray(0))]\nb.close()\nprint(json.dumps(r+[b.recv(0).hex(), b.recv_into(bytearray(0))]))",
  );
  assert.deepEqual(py, ["", 0, "", 0]);
  assert.deepEqual(b.recv(0), new Uint8Array(0));
  assert.equal(b.recv_into(new Uint8Array(0)), 0);
  assert.throws(() => b.recv(0, 2 ** 40), { name: "RangeError" }); // flags still checked
  closeAll(a);
});

test("sendto follows every change of destination (the encoded address is reused only for equal values)", () => {
  const recv = [0, 1].map(() => {
    const r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    r.bind(["127.0.0.1", 0]);
    r.settimeout(2);
    return r;
  });
  const ports = recv.map((r) => (r.getsockname() as [string, number])[1]);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const dest: [string, number] = ["127.0.0.1", ports[0]];
  s.sendto(new Uint8Array([1]), dest);
  dest[1] = ports[1]; // the same array, changed in place
  s.sendto(new Uint8Array([2]), dest);
  s.sendto(new Uint8Array([3]), ["127.0.0.1", ports[0]]);
  s.sendto(new Uint8Array([4]), 0, ["localhost", ports[1]]); // a name: resolved, not cached
  s.sendto(new Uint8Array([5]), ["localhost", ports[1]]);
  assert.deepEqual([recv[0].recv(8)[0], recv[0].recv(8)[0]], [1, 3]);
  assert.deepEqual([recv[1].recv(8)[0], recv[1].recv(8)[0], recv[1].recv(8)[0]], [2, 4, 5]);
  assert.throws(() => s.sendto(new Uint8Array([6]), ["127.0.0.1", 70000]), RangeError);
  for (const r of recv) r.close();
});
