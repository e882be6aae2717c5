/**
 * Input checks, compared with python3 on the same machine: descriptors that are not
 * ints (send_fds, socket(fileno=...)), sendfile's offset and count, argument counts,
 * AF_VSOCK's 64-bit options, and the net permission checks reading an address once.
 * Each case that refuses its input also checks that nothing was sent.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as socket from "../mod.ts";
import {
  disableNetPermissionChecks,
  enableNetPermissionChecks,
  type NetPermissionCheck,
} from "../permissions.ts";
import { jsClassOf, outcome, PY_OUTCOME, python } from "./helpers/python.ts";

type Outcome = Record<string, unknown>;

/** Our outcome in Python's shape (class names mapped, errno kept). */
function same(ours: Outcome, py: Outcome, label: string): void {
  if ("ok" in py) {
    assert.deepEqual(ours, { ok: py.ok }, label);
    return;
  }
  assert.equal(ours.error, jsClassOf(py.error as string), `${label}: ${JSON.stringify(ours)}`);
  assert.equal(ours.message, py.message, label);
  if (py.errno !== null) assert.equal(ours.errno, py.errno, label);
}

/** A connected AF_UNIX datagram pair; b is non-blocking, so "nothing arrived" is immediate. */
function dgramPair(): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  b.setblocking(false);
  return [a, b];
}

function assertNothingArrived(b: socket.socket): void {
  assert.throws(() => b.recv(100), socket.BlockingIOError);
}

// ---- 8: send_fds descriptors are ints that fit a C int, as array("i", fds) ----------------

const BAD_FDS: [string, unknown][] = [
  ["float('nan')", NaN],
  ["None", undefined],
  ["None", null],
  ["'abc'", "abc"],
  ["{}", {}],
  ["1.5", 1.5],
  ["2**32 + 1", 2 ** 32 + 1],
  ["2**32", 2n ** 32n],
  ["2**31", 2 ** 31],
  ["-2**31 - 1", -(2 ** 31) - 1],
  ["(1,)", [1]],
];

test("send_fds: a descriptor that is not a C int raises as Python and sends nothing", () => {
  const py = python<Outcome[]>(
    PY_OUTCOME + `
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
cases = [${BAD_FDS.map(([p]) => p).join(", ")}]
out = [outcome(socket.send_fds, a, [b"x"], [v]) for v in cases]
out += [outcome(socket.send_fds, a, [b"x"], 5), outcome(socket.send_fds, a, [b"x"], "abc"),
        outcome(socket.send_fds, a, [b"x"], None)]
print(json.dumps(out))
`,
  );
  const [a, b] = dgramPair();
  try {
    const ours = BAD_FDS.map(([, v]) =>
      outcome(() => socket.send_fds(a, [new Uint8Array([1])], [v as number]))
    );
    for (const fds of [5, "abc", null]) {
      ours.push(
        outcome(() => socket.send_fds(a, [new Uint8Array([1])], fds as unknown as number[])),
      );
    }
    ours.forEach((o, i) => same(o, py[i], `send_fds ${i < BAD_FDS.length ? BAD_FDS[i][0] : i}`));
    assertNothingArrived(b);
    // ints (and bools, as Python's) still pass: true is descriptor 1
    assert.equal(
      socket.send_fds(a, [new Uint8Array([2])], [a.fileno(), true as unknown as number]),
      1,
    );
    const [data, fds] = socket.recv_fds(b, 10, 2);
    assert.deepEqual(data, new Uint8Array([2]));
    assert.equal(fds.length, 2);
    for (const fd of fds) socket.close(fd);
  } finally {
    a.close();
    b.close();
  }
});

test("recv_fds: maxfds must be an int (0.25 * 4 is not 1 descriptor)", () => {
  const py = python<Outcome[]>(
    PY_OUTCOME + `
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
print(json.dumps([outcome(socket.recv_fds, b, 10, v) for v in (0.25, "abc", -1, 2**30)]))
`,
  );
  const [a, b] = dgramPair();
  try {
    [0.25, "abc", -1, 2 ** 30].forEach((v, i) => {
      same(outcome(() => socket.recv_fds(b, 10, v as number)), py[i], `maxfds ${v}`);
    });
  } finally {
    a.close();
    b.close();
  }
});

// ---- descriptors elsewhere: socket(fileno=...), fromfd, close -------------------------------

test("socket(..., fileno): a descriptor that is not a socket is ENOTSOCK, a closed one EBADF", () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-input-"));
  const path = join(dir, "regular");
  writeFileSync(path, "not a socket");
  const fd = openSync(path, "r");
  // Closed only once the python3 oracle has run: its spawn's pipes (socketpairs under
  // Bun) would take the free number and make it a socket again.
  const closedFd = openSync(path, "r");
  try {
    const py = python<Outcome[]>(
      PY_OUTCOME + `
import os
fd = os.open(${JSON.stringify(path)}, os.O_RDONLY)
closed = os.open(${JSON.stringify(path)}, os.O_RDONLY); os.close(closed)
print(json.dumps([
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, fd),
  outcome(lambda: socket.socket(fileno=fd)),
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, closed),
  outcome(lambda: socket.socket(fileno=closed)),
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, 1.5),
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, "3"),
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, float("nan")),
  outcome(socket.socket, socket.AF_INET, socket.SOCK_STREAM, 0, -1),
  outcome(socket.fromfd, 1.5, socket.AF_INET, socket.SOCK_STREAM),
  outcome(socket.fromfd, "3", socket.AF_INET, socket.SOCK_STREAM),
  outcome(socket.fromfd, fd, socket.AF_INET, socket.SOCK_STREAM),
  outcome(socket.close, 1.5),
  outcome(socket.close, "3"),
  outcome(socket.close, None),
]))
`,
    );
    closeSync(closedFd);
    const { AF_INET, SOCK_STREAM } = socket;
    const mk = (f: unknown, family?: number) => () =>
      family === undefined
        ? new socket.socket(undefined, undefined, undefined, f as number)
        : new socket.socket(family, SOCK_STREAM, 0, f as number);
    const ours = [
      outcome(mk(fd, AF_INET)),
      outcome(mk(fd)),
      outcome(mk(closedFd, AF_INET)),
      outcome(mk(closedFd)),
      outcome(mk(1.5, AF_INET)),
      outcome(mk("3", AF_INET)),
      outcome(mk(NaN, AF_INET)),
      outcome(mk(-1, AF_INET)),
      outcome(() => socket.fromfd(1.5, AF_INET, SOCK_STREAM)),
      outcome(() => socket.fromfd("3" as unknown as number, AF_INET, SOCK_STREAM)),
      outcome(() => socket.fromfd(fd, AF_INET, SOCK_STREAM)),
      outcome(() => socket.close(1.5)),
      outcome(() => socket.close("3" as unknown as number)),
      outcome(() => socket.close(null as unknown as number)),
    ];
    ours.forEach((o, i) => same(o, py[i], `case ${i}`));
    // the regular file is still open: a refused constructor does not close what it was lent
    assert.doesNotThrow(() => closeSync(fd));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

// ---- 9, 16: sendfile's offset and count ---------------------------------------------------

test("sendfile: offsets past 64 bits and non-int counts raise as Python; nothing is sent", () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-input-"));
  const path = join(dir, "data");
  writeFileSync(path, "0123456789".repeat(1000));
  try {
    const py = python<Outcome[]>(
      PY_OUTCOME + `
a, b = socket.socketpair()
f = open(${JSON.stringify(path)}, "rb")
print(json.dumps([
  outcome(a.sendfile, f, 2**64 + 4096),
  outcome(a.sendfile, f, 2**63),
  outcome(a.sendfile, f, 1.5),
  outcome(a.sendfile, f, "2"),
  outcome(a.sendfile, f, 0, "2"),
  outcome(a.sendfile, f, 0, 1.5),
  outcome(a.sendfile, f, 0, float("nan")),
  outcome(a.sendfile, f, 0, 0),
  outcome(a.sendfile, f, 0, -1),
  outcome(a.sendfile, f, 0, False),
  outcome(a.sendfile, f, 0, 2**64),
]))
`,
    );
    const [a, b] = socket.socketpair();
    b.setblocking(false);
    try {
      const send = (offset: unknown, count: unknown = null) => () =>
        a.sendfile(path, offset as number, count as number);
      const ours = [
        outcome(send(2 ** 64 + 4096)),
        outcome(send(2 ** 63)),
        outcome(send(1.5)),
        outcome(send("2")),
        outcome(send(0, "2")),
        outcome(send(0, 1.5)),
        outcome(send(0, NaN)),
        outcome(send(0, 0)),
        outcome(send(0, -1)),
        outcome(send(0, false)),
        outcome(send(0, 2 ** 64)),
      ];
      ours.forEach((o, i) => same(o, py[i], `sendfile case ${i}`));
      // bigints too: 2**64 + 4096 must not wrap to 4096
      assert.throws(() => a.sendfile(path, 2n ** 64n + 4096n as unknown as number), {
        name: "RangeError",
        message: "Python int too large to convert to C long",
      });
      assertNothingArrived(b);
      // what is in range still works, bigint offsets included
      assert.equal(a.sendfile(path, 9990n as unknown as number, true as unknown as number), 1);
      assert.deepEqual(b.recv(10), new Uint8Array([0x30]));
    } finally {
      a.close();
      b.close();
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

// ---- 15: argument counts ------------------------------------------------------------------

/** [method, number of arguments]: every count outside what Python accepts. */
const ARITY: [string, number][] = [
  ["sendto", 0],
  ["sendto", 1],
  ["sendto", 4],
  ["send", 0],
  ["send", 3],
  ["sendall", 0],
  ["sendall", 3],
  ["recv", 0],
  ["recv", 3],
  ["recvfrom", 0],
  ["recvfrom", 3],
  ["recv_into", 0],
  ["recv_into", 4],
  ["recvfrom_into", 0],
  ["recvfrom_into", 4],
  ["sendmsg", 0],
  ["sendmsg", 5],
  ["recvmsg", 0],
  ["recvmsg", 4],
  ["recvmsg_into", 0],
  ["recvmsg_into", 4],
  ["bind", 0],
  ["bind", 2],
  ["connect", 0],
  ["connect", 2],
  ["connect_ex", 0],
  ["connect_ex", 2],
  ["listen", 2],
  ["setsockopt", 2],
  ["setsockopt", 5],
  ["getsockopt", 1],
  ["getsockopt", 4],
  ["settimeout", 0],
  ["settimeout", 2],
  ["setblocking", 0],
  ["setblocking", 2],
  ["shutdown", 0],
  ["shutdown", 2],
  ["fileno", 1],
  ["getsockname", 1],
  ["getpeername", 1],
  ["gettimeout", 1],
  ["getblocking", 1],
  ["close", 1],
  ["detach", 1],
  ["dup", 1],
  ["get_inheritable", 1],
  ["set_inheritable", 0],
  ["set_inheritable", 2],
  ["sendfile", 0],
  ["sendfile", 4],
];

test("argument counts: too many or too few raise Python's TypeError before anything runs", () => {
  // Windows has no sendmsg/recvmsg/recvmsg_into (nor CPython there): their cases go.
  const arity = ARITY.filter(([name]) => name in socket.socket.prototype);
  const py = python<Outcome[]>(
    PY_OUTCOME + `
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
cases = ${JSON.stringify(arity)}
out = [outcome(getattr(s, name), *([0] * n)) for name, n in cases]
out += [outcome(socket.close), outcome(socket.close, 0, 0), outcome(socket.fromfd, 0, 0, 0, 0, 0)]
print(json.dumps(out))
`,
  );
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.setblocking(false); // a call that ignored its count must not block the test
  const ours = arity.map(([name, n]) =>
    outcome(() =>
      (s as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...Array(n).fill(0))
    )
  );
  const mod = socket as unknown as Record<string, (...a: unknown[]) => unknown>;
  ours.push(outcome(() => mod.close()), outcome(() => mod.close(0, 0)));
  ours.push(outcome(() => mod.fromfd(0, 0, 0, 0, 0)));
  ours.forEach((o, i) => same(o, py[i], `${JSON.stringify(arity[i] ?? i)}`));
  assert.ok(s.fileno() >= 0, "the socket is still open");
});

/** [module function, its arguments]: one argument too many (or too few). */
const MODULE_ARITY: [string, unknown[]][] = [
  ["htons", [1, 2]],
  ["htons", []],
  ["ntohs", [1, 2]],
  ["htonl", [1, 2]],
  ["ntohl", [1, 2]],
  ["inet_aton", ["1.2.3.4", 1]],
  ["inet_aton", []],
  ["inet_ntoa", [[1, 2, 3, 4], 1]],
  ["inet_pton", [2, "1.2.3.4", 1]],
  ["inet_ntop", [2, [1, 2, 3, 4], 1]],
  ["getaddrinfo", ["127.0.0.1", 80, 0, 0, 0, 0, 0]],
  ["getaddrinfo", ["127.0.0.1"]],
  ["getaddrinfo", []],
  ["getnameinfo", [["127.0.0.1", 80], 0, 1]],
  ["gethostbyname", ["127.0.0.1", 1]],
  ["gethostbyname_ex", ["127.0.0.1", 1]],
  ["gethostbyaddr", ["127.0.0.1", 1]],
  ["getfqdn", ["127.0.0.1", 1]],
  ["gethostname", [1]],
  ["getservbyname", ["http", "tcp", 1]],
  ["getservbyname", []],
  ["getservbyport", [80, "tcp", 1]],
  ["getprotobyname", ["tcp", 1]],
  ["if_nametoindex", ["lo", 1]],
  ["if_indextoname", [1, 1]],
  ["if_nameindex", [1]],
  ["CMSG_LEN", [1, 1]],
  ["CMSG_SPACE", [1, 1]],
  ["getdefaulttimeout", [1]],
  ["setdefaulttimeout", [1, 2]],
  ["has_dualstack_ipv6", [1]],
];

test("module functions: argument counts raise Python's TypeError", () => {
  const py = python<Outcome[]>(
    PY_OUTCOME + `
def arg(v): return bytes(v) if isinstance(v, list) and all(isinstance(x, int) for x in v) else tuple(v) if isinstance(v, list) else v
cases = ${JSON.stringify(MODULE_ARITY)}
out = [outcome(getattr(socket, name), *[arg(a) for a in args]) for name, args in cases]
a, b = socket.socketpair()
out += [outcome(socket.send_fds, a, [b"x"], [], 0, None, 1), outcome(socket.send_fds, a, [b"x"]),
        outcome(socket.recv_fds, b, 1, 1, 0, 1), outcome(socket.recv_fds, b)]
print(json.dumps(out))
`,
  );
  const mod = socket as unknown as Record<string, (...a: unknown[]) => unknown>;
  const arg = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === "number") ? new Uint8Array(v) : v;
  const ours = MODULE_ARITY.map(([name, args]) => outcome(() => mod[name](...args.map(arg))));
  const [a, b] = socket.socketpair();
  try {
    ours.push(outcome(() => mod.send_fds(a, [new Uint8Array([1])], [], 0, null, 1)));
    ours.push(outcome(() => mod.send_fds(a, [new Uint8Array([1])])));
    ours.push(outcome(() => mod.recv_fds(b, 1, 1, 0, 1)));
    ours.push(outcome(() => mod.recv_fds(b)));
    ours.forEach((o, i) => same(o, py[i], JSON.stringify(MODULE_ARITY[i] ?? i)));
  } finally {
    a.close();
    b.close();
    socket.setdefaulttimeout(null); // in case setdefaulttimeout(1, 2) was accepted
  }
});

test("sendto(data, flags, address, extra) raises and sends nothing", () => {
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.1", 0]);
  r.setblocking(false);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const sendto = s.sendto as unknown as (...a: unknown[]) => number;
  assert.throws(() => sendto.call(s, new Uint8Array([1]), 0, r.getsockname(), 5), {
    name: "TypeError",
    message: "sendto() takes 2 or 3 arguments (4 given)",
  });
  assertNothingArrived(r);
  // the same datagram with three arguments arrives
  assert.equal(s.sendto(new Uint8Array([1]), 0, r.getsockname()), 1);
  r.settimeout(10);
  assert.deepEqual(r.recv(10), new Uint8Array([1]));
});

// ---- 13: AF_VSOCK's options are 64-bit ------------------------------------------------------

test("AF_VSOCK: SO_VM_SOCKETS_BUFFER_* are got and set as 64-bit values, as Python", (t) => {
  let v: socket.socket;
  try {
    v = new socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM);
  } catch (e) {
    t.skip(`AF_VSOCK sockets unavailable here: ${e}`);
    return;
  }
  if (process.env.SOCKET_TEST_UNDER_QEMU === "1") {
    // qemu-user translates socket options level by level and has no AF_VSOCK level: every such
    // call fails with EOPNOTSUPP before it reaches the kernel
    try {
      v.getsockopt(socket.AF_VSOCK!, socket.SO_VM_SOCKETS_BUFFER_SIZE!);
    } catch (e) {
      if (e instanceof socket.OSError && e.errno === 95 /* Linux EOPNOTSUPP */) {
        v.close();
        t.skip("qemu-user does not translate AF_VSOCK-level socket options (EOPNOTSUPP)");
        return;
      }
      throw e;
    }
  }
  const steps = `[
    ("get", socket.SO_VM_SOCKETS_BUFFER_SIZE), ("get", socket.SO_VM_SOCKETS_BUFFER_MIN_SIZE),
    ("get", socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE),
    ("set", socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE, 2**33),
    ("get", socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE),
    ("set", socket.SO_VM_SOCKETS_BUFFER_SIZE, 300000), ("get", socket.SO_VM_SOCKETS_BUFFER_SIZE),
    ("set", socket.SO_VM_SOCKETS_BUFFER_MIN_SIZE, 4096),
    ("get", socket.SO_VM_SOCKETS_BUFFER_MIN_SIZE),
    ("set", socket.SO_VM_SOCKETS_BUFFER_SIZE, True), ("get", socket.SO_VM_SOCKETS_BUFFER_SIZE),
    ("set", socket.SO_VM_SOCKETS_BUFFER_SIZE, 1.5), ("set", socket.SO_VM_SOCKETS_BUFFER_SIZE, b"x"),
    ("getn", socket.SO_VM_SOCKETS_BUFFER_SIZE, 8),
    ("get", socket.SO_VM_SOCKETS_BUFFER_SIZE),
  ]`;
  const py = python<Outcome[]>(
    PY_OUTCOME + `
v = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
def step(kind, opt, *rest):
    if kind == "get": return v.getsockopt(socket.AF_VSOCK, opt)
    if kind == "getn": return v.getsockopt(socket.AF_VSOCK, opt, rest[0])
    return v.setsockopt(socket.AF_VSOCK, opt, rest[0])
out = [outcome(step, *s) for s in ${steps}]
out.append(outcome(v.setsockopt, socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE, None, 8))
print(json.dumps(out))
`,
  );
  const L = socket.AF_VSOCK!;
  const SIZE = socket.SO_VM_SOCKETS_BUFFER_SIZE!;
  const MIN = socket.SO_VM_SOCKETS_BUFFER_MIN_SIZE!;
  const MAX = socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE!;
  try {
    const set = (opt: number, value: unknown) => () => {
      v.setsockopt(L, opt, value as number);
      return null;
    };
    const get = (opt: number) => () => v.getsockopt(L, opt);
    const ours = [
      outcome(get(SIZE)),
      outcome(get(MIN)),
      outcome(get(MAX)),
      outcome(set(MAX, 2 ** 33)),
      outcome(get(MAX)),
      outcome(set(SIZE, 300000)),
      outcome(get(SIZE)),
      outcome(set(MIN, 4096)),
      outcome(get(MIN)),
      outcome(set(SIZE, true)),
      outcome(get(SIZE)),
      outcome(set(SIZE, 1.5)),
      outcome(set(SIZE, new Uint8Array([120]))),
      outcome(() => v.getsockopt(L, SIZE, 8)),
      outcome(get(SIZE)),
      outcome(() => v.setsockopt(L, SIZE, null, 8)),
    ];
    ours.forEach((o, i) => same(o, py[i], `vsock step ${i}`));
  } finally {
    v.close();
  }
});

// ---- 11: the net permission checks see exactly the address that is used -----------------

/** Allows 127.0.0.1, and any host reached by the name "localhost" (as Deno grants names). */
const onlyLocalhost: NetPermissionCheck = (host, _port, name) =>
  host === "127.0.0.1" || name === "localhost";

/** ["127.0.0.2", port] whose host reads "127.0.0.2" first, then `later` on every read. */
function shifty(port: number, later: string): [string, number] {
  let reads = 0;
  const address = ["", port] as [string, number];
  Object.defineProperty(address, 0, { get: () => reads++ === 0 ? "127.0.0.2" : later });
  return address;
}

test("permission checks: a destination cached before they were enabled is checked", () => {
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.2", 0]);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const dest = r.getsockname() as [string, number];
  s.sendto(new Uint8Array([1]), dest); // cached while the checks are off
  enableNetPermissionChecks(onlyLocalhost);
  try {
    assert.throws(() => s.sendto(new Uint8Array([2]), dest), socket.PermissionError);
    assert.throws(() => s.sendto(new Uint8Array([3]), 0, [...dest]), socket.PermissionError);
  } finally {
    disableNetPermissionChecks();
  }
  assert.equal(s.sendto(new Uint8Array([4]), dest), 1);
});

test("permission checks: an address is read once (a getter cannot pass one host, use another)", () => {
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.2", 0]);
  r.setblocking(false);
  const port = (r.getsockname() as [string, number])[1];
  enableNetPermissionChecks(onlyLocalhost);
  try {
    using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    assert.throws(
      () => s.sendto(new Uint8Array([1]), shifty(port, "localhost")),
      socket.PermissionError,
    );
    assert.throws(() => s.connect(shifty(port, "localhost")), socket.PermissionError);
    assert.throws(
      () => s.sendmsg([new Uint8Array([1])], [], 0, shifty(port, "localhost")),
      socket.PermissionError,
    );
    // a proxy that answers differently on each read
    let reads = 0;
    const proxy = new Proxy<[string, number]>(["", port], {
      get: (target, key) =>
        key === "0" ? (reads++ === 0 ? "127.0.0.2" : "localhost") : Reflect.get(target, key),
    });
    assert.throws(
      () => s.sendto(new Uint8Array([1]), proxy),
      socket.PermissionError,
    );
    assert.equal(reads, 1, "the host was read once");
  } finally {
    disableNetPermissionChecks();
  }
  assertNothingArrived(r);
});

test("sendto's destination cache keys on what was encoded, not a second read", () => {
  using r1 = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r1.bind(["127.0.0.1", 0]);
  const port = (r1.getsockname() as [string, number])[1];
  using r2 = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r2.bind(["127.0.0.2", port]);
  r1.settimeout(10);
  r2.settimeout(10);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.sendto(new Uint8Array([1]), shifty(port, "127.0.0.1")); // goes to 127.0.0.2
  assert.deepEqual(r2.recv(10), new Uint8Array([1]));
  s.sendto(new Uint8Array([2]), ["127.0.0.1", port]); // must go to 127.0.0.1
  assert.deepEqual(r1.recv(10), new Uint8Array([2]));
});
