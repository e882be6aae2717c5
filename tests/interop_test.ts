/**
 * python3 as the real peer: TCP over IPv4 and IPv6, UDP over both, AF_UNIX stream
 * and datagram (our unbound datagram client connect()s to Python's datagram server,
 * and Python's to ours), with each side once the server and once the client.
 */
import { DARWIN, test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawn } from "./helpers/host.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const peerScript = fileURLToPath(new URL("./helpers/peer.py", import.meta.url));

/** Starts peer.py; `first()` is its first output line, `done` its end. */
function peer(mode: "server" | "client", kind: string, address: unknown) {
  const proc = spawn("python3", [peerScript, mode, kind, JSON.stringify(address)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    waiters.splice(0).forEach((w) => w());
  });
  proc.stderr.setEncoding("utf8").on("data", (c: string) => err += c);
  const done = new Promise<unknown>((resolve, reject) =>
    proc.on("close", (code) => {
      if (code !== 0) reject(new Error(`peer.py exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!));
    })
  );
  const first = async (): Promise<unknown> => {
    while (!out.includes("\n")) {
      await Promise.race([new Promise<void>((r) => waiters.push(r)), done]);
    }
    return JSON.parse(out.slice(0, out.indexOf("\n")));
  };
  return { first, done };
}

function readAll(s: socket.socket): string {
  let text = "";
  for (;;) {
    const chunk = s.recv(4096);
    if (chunk.length === 0) return text;
    text += dec.decode(chunk);
  }
}

const streamCases: [string, number, unknown][] = [
  ["tcp4", socket.AF_INET, ["127.0.0.1", 0]],
  ["tcp6", socket.AF_INET6, ["::1", 0]],
];

for (const [kind, family, bindAddr] of streamCases) {
  test(`${kind}: our client, python's server`, async () => {
    const py = peer("server", kind, bindAddr);
    const address = await py.first() as [string, number];
    using s = new socket.socket(family, socket.SOCK_STREAM);
    s.settimeout(10);
    s.connect(address);
    s.sendall(enc.encode("hello from typescript"));
    s.shutdown(socket.SHUT_WR);
    assert.equal(readAll(s), "HELLO FROM TYPESCRIPT");
    const res = await py.done as { got: string; peer: unknown };
    assert.equal(res.got, "hello from typescript");
    assert.deepEqual(res.peer, s.getsockname());
  });

  test(`${kind}: python's client, our server`, async () => {
    using srv = new socket.socket(family, socket.SOCK_STREAM);
    srv.bind(bindAddr as socket.Address);
    srv.listen();
    srv.settimeout(10);
    const py = peer("client", kind, srv.getsockname());
    const [conn, addr] = srv.accept();
    conn.settimeout(10);
    const text = readAll(conn);
    assert.equal(text, "hello from python");
    conn.sendall(enc.encode(text.toUpperCase()));
    conn.close();
    const res = await py.done as { got: string; local: unknown };
    assert.equal(res.got, "HELLO FROM PYTHON");
    assert.deepEqual(res.local, addr);
  });
}

const udpCases: [string, number, unknown][] = [
  ["udp4", socket.AF_INET, ["127.0.0.1", 0]],
  ["udp6", socket.AF_INET6, ["::1", 0]],
];

for (const [kind, family, bindAddr] of udpCases) {
  test(`${kind}: datagrams both ways with python`, async () => {
    // python's server, our client
    const py = peer("server", kind, bindAddr);
    const address = await py.first() as socket.Address;
    using c = new socket.socket(family, socket.SOCK_DGRAM);
    c.settimeout(10);
    c.sendto(enc.encode("hello from typescript"), address);
    const [data, from] = c.recvfrom(100);
    assert.equal(dec.decode(data), "HELLO FROM TYPESCRIPT");
    assert.deepEqual(from, address);
    const res = await py.done as { got: string; peer: unknown };
    assert.equal(res.got, "hello from typescript");
    assert.equal((res.peer as number[])[1], (c.getsockname() as number[])[1]);
    // our server, python's client
    using srv = new socket.socket(family, socket.SOCK_DGRAM);
    srv.bind(bindAddr as socket.Address);
    srv.settimeout(10);
    const client = peer("client", kind, srv.getsockname());
    const [got, sender] = srv.recvfrom(100);
    assert.equal(dec.decode(got), "hello from python");
    srv.sendto(enc.encode("HELLO FROM PYTHON"), sender!);
    const cres = await client.done as { got: string; peer: unknown; local: unknown };
    assert.equal(cres.got, "HELLO FROM PYTHON");
    assert.deepEqual(cres.peer, srv.getsockname());
    // python's unconnected socket sits on the wildcard address, same port
    assert.equal((cres.local as number[])[1], (sender as number[])[1]);
  });
}

test("unix stream: both directions with python", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-interop-"));
  try {
    const pyPath = join(dir, "py.sock");
    const py = peer("server", "unix_stream", pyPath);
    assert.equal(await py.first(), pyPath);
    using c = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    c.settimeout(10);
    c.connect(pyPath);
    c.sendall(enc.encode("over a unix socket"));
    c.shutdown(socket.SHUT_WR);
    assert.equal(readAll(c), "OVER A UNIX SOCKET");
    assert.deepEqual(await py.done, { got: "over a unix socket", peer: "" });

    const ourPath = join(dir, "ts.sock");
    using srv = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    srv.bind(ourPath);
    srv.listen();
    srv.settimeout(10);
    const client = peer("client", "unix_stream", ourPath);
    const [conn, addr] = srv.accept();
    assert.equal(addr, "");
    conn.settimeout(10);
    const text = readAll(conn);
    conn.sendall(enc.encode(text.toUpperCase()));
    conn.close();
    assert.deepEqual(await client.done, { got: "HELLO FROM PYTHON", local: "" });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("unix datagram: a connect()ed client on each side (the syslog pattern)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-interop-"));
  try {
    // our unbound client connects to python's datagram server
    const pyPath = join(dir, "py-dgram.sock");
    const py = peer("server", "unix_dgram", pyPath);
    assert.equal(await py.first(), pyPath);
    using c = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
    c.connect(pyPath);
    assert.equal(c.getpeername(), pyPath);
    for (const n of [1, 2, 3]) assert.equal(c.send(enc.encode(`ts datagram ${n}`)), 13);
    assert.deepEqual(await py.done, { got: ["ts datagram 1", "ts datagram 2", "ts datagram 3"] });
    // and python's connected client to our datagram server
    const ourPath = join(dir, "ts-dgram.sock");
    using srv = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
    srv.bind(ourPath);
    srv.settimeout(10);
    const client = peer("client", "unix_dgram", ourPath);
    const [d1, from1] = srv.recvfrom(100);
    const [d2] = srv.recvfrom(100);
    assert.deepEqual([dec.decode(d1), dec.decode(d2)], ["python datagram 1", "python datagram 2"]);
    // an unbound sender has no address (Python: None); XNU names it with its sun_noname, an
    // empty AF_UNIX sockaddr (Python: '')
    assert.equal(from1, DARWIN ? "" : null);
    assert.deepEqual(await client.done, { sent: 2 });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
