/**
 * Web streams and `for await` over connected sockets (streams.ts), and handing a
 * configured socket to Node's `net` (a documented interop path).
 */
import { test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import * as socket from "../mod.ts";
import { sock_connect, sock_recv, sock_sendall } from "../asyncio.ts";
import { recv_chunks, socketStreams } from "../streams.ts";

const isDeno = "Deno" in globalThis;
const enc = new TextEncoder();
const dec = new TextDecoder();

function pair(): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair();
  a.setblocking(false);
  b.setblocking(false);
  return [a, b];
}

/** Everything the peer sends until it shuts down its side. */
async function drain(sock: socket.socket): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of recv_chunks(sock)) parts.push(chunk);
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test("streams over TCP: write, half-close, read to the end, then the socket closes", async () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  const cli = new socket.socket();
  cli.setblocking(false);
  await sock_connect(cli, srv.getsockname());
  const [conn] = srv.accept();
  conn.setblocking(false);
  const streams = socketStreams(cli, { chunkSize: 7 });
  const writer = streams.writable.getWriter();
  for (const word of ["one ", "two ", "three"]) await writer.write(enc.encode(word));
  await writer.close();
  assert.equal(dec.decode(await drain(conn)), "one two three"); // EOF after the shutdown
  assert.notEqual(cli.fileno(), -1, "the readable is still open");
  await sock_sendall(conn, enc.encode("a reply longer than seven bytes"));
  conn.shutdown(socket.SHUT_WR);
  const chunks: string[] = [];
  for await (const chunk of streams.readable) chunks.push(dec.decode(chunk));
  assert.ok(chunks.every((c) => c.length <= 7));
  assert.equal(chunks.join(""), "a reply longer than seven bytes");
  await streams.closed;
  assert.equal(cli.fileno(), -1, "both sides done: the socket is closed");
  conn.close();
});

test("the readable reads only as fast as it is consumed (no read-ahead)", async () => {
  const [a, b] = pair();
  const streams = socketStreams(b, { chunkSize: 4 });
  await sock_sendall(a, enc.encode("abcdefgh"));
  const peek = () => dec.decode(b.recv(100, socket.MSG_PEEK));
  assert.equal(peek(), "abcdefgh", "nothing read before a reader asks");
  const reader = streams.readable.getReader();
  assert.equal(dec.decode((await reader.read()).value), "abcd");
  assert.equal(peek(), "efgh", "one read, one recv");
  await streams[Symbol.asyncDispose]();
  assert.equal(b.fileno(), -1);
  a.close();
});

test("a write settles only when the kernel took it all (backpressure)", async () => {
  const [a, b] = pair();
  const streams = socketStreams(a);
  const writer = streams.writable.getWriter();
  const big = new Uint8Array(8 << 20).fill(7); // far more than both socket buffers
  let settled = false;
  const written = writer.write(big).then(() => settled = true);
  const first = await sock_recv(b, 65536);
  assert.ok(first.length > 0);
  assert.equal(settled, false, "8 MiB cannot fit the buffers after one 64 KiB read");
  assert.ok((writer.desiredSize ?? 0) <= 0, "the writer asks to wait");
  let got = first.length;
  while (got < big.length) got += (await sock_recv(b, 1 << 20)).length;
  await written;
  assert.equal(got, big.length);
  await writer.close();
  await streams.readable.cancel();
  await streams.closed;
  b.close();
});

test("abort() stops a write the peer never reads; the signal ends both sides", async () => {
  const [a, b] = pair();
  const streams = socketStreams(a);
  const writer = streams.writable.getWriter();
  const stuck = writer.write(new Uint8Array(8 << 20));
  await sock_recv(b, 1); // the write has started
  const reason = new Error("give up");
  await writer.abort(reason);
  await assert.rejects(stuck);
  await streams.readable.cancel();
  await streams.closed;
  assert.equal(a.fileno(), -1);
  b.close();

  const [c, d] = pair();
  const controller = new AbortController();
  const both = socketStreams(c, { signal: controller.signal });
  const reader = both.readable.getReader();
  const pending = reader.read();
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  await assert.rejects(both.writable.getWriter().write(enc.encode("x")));
  await both.closed;
  assert.equal(c.fileno(), -1);
  d.close();
});

test("cancel() stops a pending read; pipeTo echoes until the peer's end", async () => {
  const [a, b] = pair();
  const streams = socketStreams(a);
  const reader = streams.readable.getReader();
  const pending = reader.read();
  await reader.cancel();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.notEqual(a.fileno(), -1, "the writable still holds the socket");
  await streams.writable.close();
  await streams.closed;
  b.close();

  const [c, d] = pair();
  const echo = socketStreams(d);
  const piped = echo.readable.pipeTo(echo.writable);
  await sock_sendall(c, enc.encode("echo me"));
  c.shutdown(socket.SHUT_WR);
  assert.equal(dec.decode(await drain(c)), "echo me");
  await piped;
  await echo.closed;
  c.close();
});

test("recv_chunks: for await until the end; leaving early keeps the socket open", async () => {
  const [a, b] = pair();
  await sock_sendall(a, enc.encode("first"));
  for await (const chunk of recv_chunks(b)) {
    assert.equal(dec.decode(chunk), "first");
    break;
  }
  assert.notEqual(b.fileno(), -1);
  await sock_sendall(a, enc.encode("second"));
  a.shutdown(socket.SHUT_WR);
  assert.equal(dec.decode(await drain(b)), "second");
  const controller = new AbortController();
  const iterator = recv_chunks(a, { signal: controller.signal });
  const next = iterator.next();
  controller.abort();
  await assert.rejects(next, { name: "AbortError" });
  assert.throws(() => recv_chunks(a, { chunkSize: 0 }), RangeError);
  a.close();
  b.close();
});

const isBun = "Bun" in globalThis;
/** Node's `fd` options take a C runtime descriptor; on Windows a socket is a SOCKET handle. */
const windowsNode = WINDOWS && !isDeno && !isBun;
const NODE_WINDOWS_FD = "Windows: Node takes no socket as a descriptor (its fd options take " +
  "C runtime descriptors, and it documents listen({ fd }) as unsupported on Windows); " +
  "the next test checks that it refuses one";
const noAdoption = isDeno ? "Deno cannot adopt a descriptor (no Deno.Conn from an fd)" : false;

test("Node adopts a configured connected socket: new net.Socket({ fd })", {
  skip: noAdoption ||
    (isBun && "Bun's net.Socket({ fd }) fails its writes with ERR_SOCKET_CLOSED") ||
    (windowsNode && NODE_WINDOWS_FD),
}, async () => {
  const net = await import("node:net");
  const [a, b] = socket.socketpair();
  b.settimeout(30); // a failure must not hang the test
  a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16);
  const adopted = new net.Socket({ fd: a.detach(), readable: true, writable: true });
  const received = new Promise<string>((resolve) =>
    adopted.once("data", (d) => resolve(String(d)))
  );
  adopted.write("from node");
  assert.equal(dec.decode(b.recv(100)), "from node");
  b.send(enc.encode("to node"));
  assert.equal(await received, "to node");
  adopted.destroy();
  b.close();
});

test("Node and Bun serve a configured listening socket: server.listen({ fd })", {
  skip: noAdoption || (windowsNode && NODE_WINDOWS_FD),
}, async () => {
  const net = await import("node:net");
  const srv = socket.create_server(["127.0.0.1", 0], { backlog: 8 });
  const [host, port] = srv.getsockname() as [string, number];
  const server = net.createServer((conn) => conn.end("hello from net.Server"));
  await new Promise<void>((resolve) => server.listen({ fd: srv.detach() }, resolve));
  try {
    assert.equal((server.address() as { port: number }).port, port);
    using cli = new socket.socket();
    cli.setblocking(false); // the event loop must run for net.Server to answer
    await sock_connect(cli, [host, port]);
    assert.equal(dec.decode(await drain(cli)), "hello from net.Server");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("Node on Windows refuses a socket as a descriptor, with an error (and keeps nothing)", {
  skip: !windowsNode && "Node on Windows only (elsewhere it adopts descriptors)",
}, async () => {
  const net = await import("node:net");
  using srv = socket.create_server(["127.0.0.1", 0]);
  assert.throws(() => new net.Socket({ fd: srv.fileno() }), { code: "ERR_INVALID_FD_TYPE" });
  const server = net.createServer();
  const failed = new Promise<unknown>((resolve) => server.once("error", resolve));
  server.listen({ fd: srv.fileno() });
  assert.equal((await failed as { code?: string }).code, "EINVAL");
  // Node took nothing: the socket is still ours, and listening
  using _cli = socket.create_connection(srv.getsockname() as [string, number], 30);
  const [conn] = srv.accept();
  conn.close();
});
