/**
 * Windows: what the port does there as CPython does on Windows, over ws2_32. Runs
 * under Wine with `bash scripts/run_windows.sh tests/windows_test.ts` (and on real
 * Windows); on other platforms each test checks that the Windows-only API is absent.
 * Expected values are CPython's on Windows (socketmodule.c, socket.py): errno values
 * are the WSA codes, socketpair() is emulated over TCP loopback, sendmsg/recvmsg do
 * not exist, ioctl/share/fromshare do.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import * as socket from "../mod.ts";
import { sock_accept, sock_connect, sock_recv, sock_sendall } from "../asyncio.ts";
import { table } from "../constants/mod.ts";
import type { WindowsMethods } from "../winsock.ts";
import { python } from "./helpers/python.ts";

const WINDOWS = table.platform.startsWith("windows");
const E = table.errno;
const enc = new TextEncoder();
const dec = new TextDecoder();
type WinSocket = socket.socket & WindowsMethods;

function windowsOnly(name: string, fn: (t: TestContext) => void | Promise<void>): void {
  test(name, { skip: WINDOWS ? false : "Windows only (this is " + table.platform + ")" }, fn);
}

function pair(family: number = socket.AF_INET, host = "127.0.0.1"): [socket.socket, socket.socket] {
  const srv = new socket.socket(family, socket.SOCK_STREAM);
  try {
    srv.bind([host, 0]);
    srv.listen();
    const c = new socket.socket(family, socket.SOCK_STREAM);
    c.connect(srv.getsockname() as [string, number]);
    const [a] = srv.accept();
    return [c, a];
  } finally {
    srv.close();
  }
}

test("the Windows-only API is absent elsewhere, present on Windows", () => {
  const s = new socket.socket();
  try {
    assert.equal(typeof (s as Partial<WindowsMethods>).ioctl, WINDOWS ? "function" : "undefined");
    assert.equal(typeof (s as Partial<WindowsMethods>).share, WINDOWS ? "function" : "undefined");
    // CPython has no sendmsg/recvmsg on Windows (no CMSG_LEN there).
    assert.equal(typeof (s as { sendmsg?: unknown }).sendmsg, WINDOWS ? "undefined" : "function");
    assert.equal(typeof (s as { recvmsg?: unknown }).recvmsg, WINDOWS ? "undefined" : "function");
    if (!WINDOWS) assert.throws(() => socket.fromshare(new Uint8Array(628)), /Windows-only/);
  } finally {
    s.close();
  }
});

windowsOnly("errno values are the WSA codes, as Python's errno module on Windows", () => {
  assert.equal(E.ECONNREFUSED, 10061);
  assert.equal(E.EWOULDBLOCK, 10035);
  assert.equal(E.EINPROGRESS, 10036);
  assert.equal(E.ECONNRESET, 10054);
  assert.equal(E.EADDRINUSE, 10048);
});

windowsOnly("each errno name picks the class Python picks for that name", () => {
  // The oracle may be another platform's python3 (Linux's under Wine): compare by name.
  const py = python<Record<string, string>>(`
import json, errno
print(json.dumps({n: type(OSError(getattr(errno, n), "x")).__name__ for n in dir(errno) if n.startswith("E")}))
`);
  let compared = 0;
  for (const [name, value] of Object.entries(E)) {
    if (!(name in py)) continue;
    assert.equal(new socket.OSError(value, "x").name, py[name], `${name} = ${value}`);
    compared++;
  }
  assert.ok(compared > 50, `only ${compared} names compared`);
});

windowsOnly("TCP over IPv4 and IPv6 loopback: send, recv, shutdown, EOF", () => {
  for (const [family, host] of [[socket.AF_INET, "127.0.0.1"], [socket.AF_INET6, "::1"]] as const) {
    const [c, a] = pair(family, host);
    try {
      c.sendall(enc.encode("hello " + host));
      let got = "";
      while (got.length < 6 + host.length) got += dec.decode(a.recv(100));
      assert.equal(got, "hello " + host);
      c.shutdown(socket.SHUT_WR);
      assert.equal(a.recv(10).length, 0);
      assert.deepEqual(a.getpeername(), c.getsockname());
    } finally {
      c.close();
      a.close();
    }
  }
});

windowsOnly("UDP sendto/recvfrom", () => {
  const r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  try {
    r.bind(["127.0.0.1", 0]);
    s.bind(["127.0.0.1", 0]);
    s.sendto(enc.encode("datagram"), r.getsockname());
    const [data, from] = r.recvfrom(100);
    assert.equal(dec.decode(data), "datagram");
    assert.deepEqual(from, s.getsockname());
  } finally {
    r.close();
    s.close();
  }
});

windowsOnly("connect to a closed port: ConnectionRefusedError, errno WSAECONNREFUSED", () => {
  const probe = new socket.socket();
  probe.bind(["127.0.0.1", 0]);
  const port = (probe.getsockname() as [string, number])[1];
  probe.close();
  const s = new socket.socket();
  try {
    assert.throws(() => s.connect(["127.0.0.1", port]), (e: unknown) => {
      assert.ok(e instanceof socket.ConnectionRefusedError);
      assert.equal((e as socket.OSError).errno, 10061);
      // CPython: OSError(errno, strerror, None, winerror): str() is "[WinError 10061] ...".
      assert.equal((e as { winerror?: number }).winerror, 10061);
      assert.match((e as Error).message, /^\[WinError 10061\] /);
      return true;
    });
  } finally {
    s.close();
  }
});

windowsOnly("non-blocking: recv raises BlockingIOError (WSAEWOULDBLOCK); connect_ex too", () => {
  const [c, a] = pair();
  const srv = new socket.socket();
  const d = new socket.socket();
  try {
    a.setblocking(false);
    assert.equal(a.getblocking(), false);
    assert.throws(() => a.recv(10), (e: unknown) => {
      assert.ok(e instanceof socket.BlockingIOError);
      assert.equal((e as socket.OSError).errno, 10035);
      return true;
    });
    srv.bind(["127.0.0.1", 0]);
    srv.listen();
    d.setblocking(false);
    // Python on Windows: connect_ex on a non-blocking socket gives WSAEWOULDBLOCK.
    const r = d.connect_ex(srv.getsockname() as [string, number]);
    assert.ok(r === 0 || r === 10035, `connect_ex gave ${r}`);
    a.setblocking(true);
    assert.equal(a.getblocking(), true);
  } finally {
    for (const s of [c, a, srv, d]) s.close();
  }
});

windowsOnly("timeout mode: recv times out, connect with a timeout completes", () => {
  const [c, a] = pair();
  const srv = new socket.socket();
  try {
    a.settimeout(0.2);
    assert.throws(() => a.recv(1), socket.TimeoutError);
    srv.bind(["127.0.0.1", 0]);
    srv.listen();
    const t = socket.create_connection(srv.getsockname() as [string, number], 5);
    assert.equal(t.gettimeout(), 5);
    t.close();
  } finally {
    for (const s of [c, a, srv]) s.close();
  }
});

windowsOnly("socketpair() is emulated over TCP loopback, as CPython on Windows", () => {
  const [a, b] = socket.socketpair();
  try {
    assert.equal(a.family, socket.AF_INET);
    assert.equal(a.type, socket.SOCK_STREAM);
    assert.deepEqual(a.getpeername(), b.getsockname());
    a.sendall(enc.encode("ping"));
    assert.equal(dec.decode(b.recv(4)), "ping");
  } finally {
    a.close();
    b.close();
  }
  const [c, d] = socket.socketpair(socket.AF_INET6);
  assert.equal(c.family, socket.AF_INET6);
  c.close();
  d.close();
  assert.throws(
    () => socket.socketpair(socket.AF_INET, socket.SOCK_DGRAM),
    /Only SOCK_STREAM socket type is supported/,
  );
  assert.throws(
    () => socket.socketpair(socket.AF_INET, socket.SOCK_STREAM, 6),
    /Only protocol zero is supported/,
  );
});

windowsOnly("ioctl: SIO_KEEPALIVE_VALS, SIO_LOOPBACK_FAST_PATH; other codes are ValueError", () => {
  const s = new socket.socket() as WinSocket;
  try {
    assert.equal(s.ioctl(table.constants.SIO_KEEPALIVE_VALS!, [1, 10000, 3000]), 0);
    assert.throws(() => s.ioctl(table.constants.SIO_KEEPALIVE_VALS!, 1), TypeError);
    try {
      s.ioctl(table.constants.SIO_LOOPBACK_FAST_PATH!, true);
    } catch (e) {
      // Windows 8+ accepts it on a fresh TCP socket; Wine may not implement it.
      assert.ok(e instanceof socket.OSError, String(e));
    }
    assert.throws(() => s.ioctl(12345, 0), /invalid ioctl command 12345/);
  } finally {
    s.close();
  }
});

windowsOnly("share(pid) and fromshare(): the same connection in a new socket object", () => {
  const [c, a] = pair();
  try {
    const data = (a as WinSocket).share(process.pid);
    assert.equal(data.length, 628);
    const b = socket.fromshare(data);
    try {
      assert.equal(b.family, socket.AF_INET);
      assert.equal(b.type, socket.SOCK_STREAM);
      assert.deepEqual(b.getpeername(), c.getsockname());
      c.sendall(enc.encode("shared"));
      assert.equal(dec.decode(b.recv(6)), "shared");
    } finally {
      b.close();
    }
    assert.throws(() => socket.fromshare(new Uint8Array(10)), /wrong size, should be 628 bytes/);
  } finally {
    c.close();
    a.close();
  }
});

windowsOnly("handles: dup(), inheritance off by default and settable", () => {
  const [c, a] = pair();
  try {
    assert.equal(a.get_inheritable(), false);
    a.set_inheritable(true);
    assert.equal(a.get_inheritable(), true);
    a.set_inheritable(false);
    const d = a.dup();
    try {
      assert.notEqual(d.fileno(), a.fileno());
      assert.equal(d.get_inheritable(), false);
      c.sendall(enc.encode("x"));
      assert.equal(dec.decode(d.recv(1)), "x");
    } finally {
      d.close();
    }
  } finally {
    c.close();
    a.close();
  }
});

windowsOnly("SO_EXCLUSIVEADDRUSE: a second bind to the port fails", () => {
  const a = new socket.socket();
  const b = new socket.socket();
  try {
    a.setsockopt(socket.SOL_SOCKET, table.constants.SO_EXCLUSIVEADDRUSE!, 1);
    assert.equal(a.getsockopt(socket.SOL_SOCKET, table.constants.SO_EXCLUSIVEADDRUSE!), 1);
    a.bind(["127.0.0.1", 0]);
    a.listen();
    assert.throws(() => b.bind(a.getsockname()), socket.OSError);
  } finally {
    a.close();
    b.close();
  }
});

windowsOnly("getaddrinfo and getnameinfo with numeric hosts", () => {
  const r = socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM);
  assert.deepEqual(r[0][4], ["127.0.0.1", 80]);
  const r6 = socket.getaddrinfo("::1", "443", socket.AF_INET6, socket.SOCK_STREAM);
  assert.equal(r6[0][0], socket.AF_INET6);
  assert.deepEqual(
    socket.getnameinfo(["127.0.0.1", 80], socket.NI_NUMERICHOST | socket.NI_NUMERICSERV),
    [
      "127.0.0.1",
      "80",
    ],
  );
});

windowsOnly("if_nameindex (from GetIfTable2), if_nametoindex and if_indextoname agree", () => {
  const all = socket.if_nameindex();
  assert.ok(all.length > 0, "no interfaces");
  for (const [index, name] of all) {
    assert.ok(index > 0 && name.length > 0, `${index} ${name}`);
    assert.equal(socket.if_nametoindex(name), index);
    assert.equal(socket.if_indextoname(index), name);
  }
  assert.throws(() => socket.if_nametoindex("no such interface"), socket.OSError);
});

windowsOnly("AF_UNIX: a socket where the system has it (Wine: WSAEAFNOSUPPORT)", (t) => {
  let s: socket.socket;
  try {
    s = new socket.socket(table.constants.AF_UNIX ?? 1, socket.SOCK_STREAM);
  } catch (e) {
    if ((e as socket.OSError).errno === E.EAFNOSUPPORT) {
      t.skip("this Windows (Wine) has no AF_UNIX sockets: WSAEAFNOSUPPORT");
      return;
    }
    throw e;
  }
  s.close();
});

windowsOnly("asyncio over the WSAPoll poller: accept, connect, send, recv", async () => {
  const srv = new socket.socket();
  srv.bind(["127.0.0.1", 0]);
  srv.listen();
  srv.setblocking(false);
  const c = new socket.socket();
  c.setblocking(false);
  try {
    const accepted = sock_accept(srv);
    await sock_connect(c, srv.getsockname() as [string, number]);
    const [a] = await accepted;
    a.setblocking(false);
    try {
      const reading = sock_recv(a, 100);
      await sock_sendall(c, enc.encode("async"));
      assert.equal(dec.decode(await reading), "async");
    } finally {
      a.close();
    }
  } finally {
    c.close();
    srv.close();
  }
});
