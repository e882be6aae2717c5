/**
 * Addresses typed by family (issue 17 item 1). The family constants are branded
 * (`socket.AF_INET` is a `FamilyConstant<"inet">`), so a socket made with one types
 * what it gives and takes: `[host, port]` for AF_INET, the 4-tuple for AF_INET6, a
 * path or abstract name for AF_UNIX, and the broad SockAddr/Address for a family not
 * known at type level. The type-level cases are checked by `deno task check` (each
 * `@ts-expect-error` fails the check if its line compiles); the run-time tests make a
 * few real round trips with no cast.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as socket from "../mod.ts";
import { sock_accept, sock_connect, sock_recvfrom, sock_sendto } from "../asyncio.ts";

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
/** Compiles only when its argument is `true`. */
function typeIs<T extends true>(_proof?: T): void {}

/**
 * The type-level cases: never called (the wrong calls would throw), only type-checked.
 * Each `@ts-expect-error` asserts that its next line is a type error.
 */
function _typeLevel(data: Uint8Array, unknownFamily: number): void {
  // AF_INET: [host, port] out, [host, port] in.
  const s4 = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  typeIs<Equal<typeof s4, socket.socket<socket.InetFamily>>>();
  typeIs<Equal<ReturnType<typeof s4.getsockname>, socket.InetAddress>>();
  typeIs<Equal<ReturnType<typeof s4.getpeername>, socket.InetAddress>>();
  typeIs<Equal<ReturnType<typeof s4.recvfrom>, [Uint8Array, socket.InetAddress | null]>>();
  typeIs<Equal<ReturnType<typeof s4.recvfrom_into>, [number, socket.InetAddress | null]>>();
  typeIs<
    Equal<ReturnType<typeof s4.accept>, [socket.socket<socket.InetFamily>, socket.InetAddress]>
  >();
  const [host, port] = s4.getsockname();
  s4.bind([host, port]);
  s4.bind(["127.0.0.1", 0] as const);
  s4.connect(["127.0.0.1", 80]);
  s4.sendto(data, s4.getsockname());
  s4.sendto(data, 0, ["127.0.0.1", 80]);
  // @ts-expect-error port and host swapped
  s4.bind([8080, "127.0.0.1"]);
  // @ts-expect-error the port as a string
  s4.bind(["127.0.0.1", "80"]);
  // @ts-expect-error no port
  s4.connect(["127.0.0.1"]);
  // @ts-expect-error "host:port" text is not an AF_INET address
  s4.connect("127.0.0.1:80");
  // @ts-expect-error a 4-tuple on an AF_INET socket
  s4.connect_ex(["127.0.0.1", 80, 0, 0]);
  // @ts-expect-error the address after the flags
  s4.sendto(data, ["127.0.0.1"], 0);
  // @ts-expect-error an AF_INET address has no third item
  s4.getsockname()[2];

  // AF_INET6: the 4-tuple out; [host, port] with optional flowinfo and scope_id in.
  const s6 = new socket.socket(socket.AF_INET6);
  typeIs<Equal<ReturnType<typeof s6.getsockname>, socket.Inet6Address>>();
  const [, , flowinfo, scope_id] = s6.getsockname();
  s6.bind(["::1", 0]);
  s6.bind(["::1", 0, flowinfo]);
  s6.connect(["::1", 80, flowinfo, scope_id]);
  // @ts-expect-error the port as a string
  s6.bind(["::1", "80"]);
  // @ts-expect-error a path on an AF_INET6 socket
  s6.connect("/tmp/sock");

  // AF_UNIX: a path or an abstract name, both ways.
  const su = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  typeIs<Equal<ReturnType<typeof su.getsockname>, string | Uint8Array>>();
  su.bind("/tmp/sock");
  su.connect(new Uint8Array([0, 120]));
  // @ts-expect-error a host and port on an AF_UNIX socket
  su.connect(["127.0.0.1", 80]);

  // No arguments, as Python's socket.socket(): AF_INET, SOCK_STREAM at run time; the
  // family is not known at type level (a plain socket), unless the declaration says it.
  const sd = new socket.socket();
  typeIs<Equal<typeof sd, socket.socket>>();
  sd.bind(["127.0.0.1", 0]);
  const sdInet: socket.socket<socket.InetFamily> = new socket.socket();
  typeIs<Equal<ReturnType<typeof sdInet.getsockname>, socket.InetAddress>>();
  // @ts-expect-error declared AF_INET: a path is not its address
  sdInet.connect("/tmp/sock");
  const sdDgram = new socket.socket(undefined, socket.SOCK_DGRAM);
  sdDgram.sendto(data, ["127.0.0.1", 9]);
  using sdUsing = new socket.socket();
  void sdUsing;

  // A family not known at type level: today's broad types, every shape compiles.
  const sx = new socket.socket(unknownFamily);
  typeIs<Equal<ReturnType<typeof sx.getsockname>, socket.SockAddr>>();
  sx.bind(["127.0.0.1", 0]);
  sx.bind("/tmp/sock");
  sx.connect(["::1", 80, 0, 0]);
  const plain: socket.socket = s4; // a typed socket is still a socket
  typeIs<Equal<ReturnType<typeof plain.getsockname>, socket.SockAddr>>();
  const [peer, peerAddress] = plain.accept();
  typeIs<Equal<[typeof peer, typeof peerAddress], [socket.socket, socket.SockAddr]>>();

  // The conveniences: create_server's family comes from its options (AF_INET by default).
  const srv = socket.create_server(["127.0.0.1", 0]);
  typeIs<Equal<typeof srv, socket.socket<socket.InetFamily>>>();
  socket.create_connection(srv.getsockname());
  const srv6 = socket.create_server(["::1", 0], { family: socket.AF_INET6 });
  typeIs<Equal<typeof srv6, socket.socket<socket.Inet6Family>>>();
  const srvx = socket.create_server(["", 0], { family: unknownFamily });
  typeIs<Equal<typeof srvx, socket.socket>>();
  // @ts-expect-error port and host swapped
  socket.create_server([8080, "127.0.0.1"]);
  // @ts-expect-error a 2-tuple is not an AF_UNIX address
  socket.create_server(["127.0.0.1", 0], { family: socket.AF_UNIX });

  // asyncio keeps the family.
  typeIs<
    Equal<
      Awaited<ReturnType<typeof sock_accept<socket.InetFamily>>>,
      [socket.socket<socket.InetFamily>, socket.InetAddress]
    >
  >();
  sock_accept(srv).then(([conn, address]) => conn.sendto(data, address));
  sock_recvfrom(s6, 10).then(([, from]) => from?.[3]);
  sock_connect(s4, srv.getsockname());
  sock_sendto(s4, data, ["127.0.0.1", 9]);
  // @ts-expect-error a 4-tuple on an AF_INET socket
  sock_connect(s4, ["127.0.0.1", 80, 0, 0]);
  // @ts-expect-error port and host swapped
  sock_sendto(s4, data, [9, "127.0.0.1"]);
}

test("AF_INET: the README's round trip with no cast", () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  using cli = socket.create_connection(srv.getsockname());
  const [conn, addr] = srv.accept();
  const [host, port] = addr;
  assert.equal(host, "127.0.0.1");
  assert.deepEqual(cli.getsockname(), [host, port]);
  assert.deepEqual(conn.getpeername(), addr);
  conn.close();
});

test("new socket() with no arguments: AF_INET, SOCK_STREAM, as Python's socket.socket()", () => {
  using s = new socket.socket();
  assert.equal(s.family, socket.AF_INET);
  assert.equal(s.type, socket.SOCK_STREAM);
  assert.equal(s.proto, 0);
  s.bind(["127.0.0.1", 0]);
  const [host, port] = s.getsockname() as socket.InetAddress;
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0);
  // declared AF_INET, as Python's default, with no cast on what it gives
  using t: socket.socket<socket.InetFamily> = new socket.socket();
  t.bind(["127.0.0.1", 0]);
  assert.equal(t.getsockname()[0], "127.0.0.1");
});

test("AF_INET6: getsockname gives the 4-tuple, bind takes [host, port]", (t) => {
  if (!socket.has_ipv6) {
    t.skip("no IPv6 on this machine");
    return;
  }
  using a = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  a.bind(["::1", 0]);
  const [host, port, flowinfo, scope_id] = a.getsockname();
  assert.deepEqual([host, flowinfo, scope_id], ["::1", 0, 0]);
  using b = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  b.bind(["::1", 0, 0, 0]);
  b.sendto(new Uint8Array([7]), [host, port]);
  const [data, from] = a.recvfrom(10);
  assert.deepEqual([...data], [7]);
  assert.deepEqual(from, b.getsockname());
});

test("AF_UNIX: a path in, the path out", () => {
  const dir = mkdtempSync(join(tmpdir(), "typed-address-"));
  try {
    using a = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
    const path = join(dir, "a");
    a.bind(path);
    const name: string | Uint8Array = a.getsockname();
    assert.equal(name, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("asyncio: sock_accept and sock_recvfrom give the family's addresses", async () => {
  using srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  using cli = new socket.socket(socket.AF_INET);
  cli.setblocking(false);
  const [[conn, addr]] = await Promise.all([
    sock_accept(srv),
    sock_connect(cli, srv.getsockname()),
  ]);
  assert.deepEqual(addr, cli.getsockname());
  conn.close();
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.1", 0]);
  r.setblocking(false);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  s.setblocking(false);
  await sock_sendto(s, new Uint8Array([1]), r.getsockname());
  const [, from] = await sock_recvfrom(r, 10);
  assert.deepEqual(from, s.getsockname());
});
