/**
 * Socket addresses, family by family: the Python forms going in (bind, connect,
 * sendto) and coming out (getsockname, getpeername, recvfrom), compared with python3
 * on the same machine; the families the kernel lacks (VSOCK, QIPCRTR, CAN, TIPC, ALG)
 * by their encoding against the kernel's struct layouts; and every bad address,
 * compared with Python's error class and message.
 */
import { DARWIN, LINUX, test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync } from "./helpers/host.ts";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { decodeAddress, encodeAddress, SOCKADDR_MAX } from "../address.ts";
import { jsClassOf } from "./helpers/python.ts";
import { encodeUtf8 } from "../args.ts";

type Inet = [string, number];
type Case = [
  family: number,
  type: number,
  proto: number,
  method: string,
  address: unknown,
  setup: string[],
];
type Outcome = { ok?: unknown; error?: string; errno?: number | null; message?: string };

const enc = new TextEncoder();
const oracle = fileURLToPath(new URL("./helpers/address_oracle.py", import.meta.url));

/** Uint8Array -> {"$b": [...]} for the oracle's JSON, and back. */
function toJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $b: Array.from(v) };
  if (Array.isArray(v)) return v.map(toJson);
  return v;
}

/** Python's outcomes for `cases`, in one python3 process. */
function pythonOutcomes(cases: Case[]): Outcome[] {
  // Families by name: under Wine the oracle is Linux's python3, whose numbers differ.
  const family = (f: number) =>
    WINDOWS ? (f === AF_INET ? "AF_INET" : f === AF_INET6 ? "AF_INET6" : f) : f;
  const input = JSON.stringify(
    cases.map((c) => [family(c[0]), ...c.slice(1, 4), toJson(c[4]), c[5]]),
  );
  return JSON.parse(execFileSync("python3", [oracle], { input, encoding: "utf8" }));
}

/** Our outcome for one case, in the oracle's shape. */
function ourOutcome([family, type, proto, method, address, setup]: Case): Outcome {
  try {
    using s = new socket.socket(family, type, proto);
    if (setup.includes("broadcast")) s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1);
    const a = address as socket.Address;
    switch (method) {
      case "bind":
        s.bind(a);
        return { ok: null };
      case "connect":
        s.connect(a);
        return { ok: null };
      case "connect_ex":
        return { ok: s.connect_ex(a) };
      case "sendto":
        return { ok: s.sendto(enc.encode("x"), a) };
      case "bind+getsockname": {
        s.bind(a);
        const name = toJson(s.getsockname());
        if (setup.includes("unlink")) unlinkPath(a as string);
        return { ok: name };
      }
      case "connect+getpeername":
        s.connect(a);
        return { ok: toJson(s.getpeername()) };
    }
    throw new Error(method);
  } catch (e) {
    const err = e as Error & { errno?: number | null };
    return { error: err.name, errno: err.errno ?? null, message: err.message };
  }
}

/**
 * Removes a bound path. A lone "\udc80" stands for byte 0x80 (as Python's file-system
 * encoding): the runtimes' fs would turn it into U+FFFD, so python3 removes those.
 */
function unlinkPath(path: string): void {
  if (!/[\udc80-\udcff]/.test(path)) return rmSync(path);
  const hex = Array.from(encodeUtf8(path, true), (b) => b.toString(16).padStart(2, "0")).join("");
  execFileSync("python3", ["-c", `import os; os.unlink(bytes.fromhex("${hex}"))`]);
}

/** Runs every case in both and compares value, or error class and message. */
function compare(cases: Case[]): void {
  const theirs = pythonOutcomes(cases);
  cases.forEach((c, i) => {
    const ours = ourOutcome(c);
    const py = theirs[i];
    const label = `${JSON.stringify(toJson(c))}: ours ${JSON.stringify(ours)}, python ${
      JSON.stringify(py)
    }`;
    if ("ok" in py) {
      assert.deepEqual(ours.ok, py.ok, label);
    } else {
      assert.equal(ours.error, jsClassOf(py.error!), label);
      // Under Wine an OSError's errno and text come from Linux's python3: the class must agree.
      if (WINDOWS && py.errno !== null && py.errno !== undefined) return;
      assert.equal(ours.message, py.message, label);
      if (py.errno !== null && py.errno !== undefined) assert.equal(ours.errno, py.errno, label);
    }
  });
}

const { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW } = socket;
// Linux-only families (undefined on macOS; these tests are Linux's).
const AF_NETLINK = socket.AF_NETLINK!;
const AF_PACKET = socket.AF_PACKET!;

test("AF_INET: '', '<broadcast>', numeric and 'localhost' hosts, as Python", () => {
  const dgram = (method: string, address: unknown, setup: string[] = []): Case => [
    AF_INET,
    SOCK_DGRAM,
    0,
    method,
    address,
    setup,
  ];
  compare([
    dgram("connect+getpeername", ["127.0.0.1", 9]),
    dgram("connect+getpeername", ["localhost", 9]),
    dgram("connect+getpeername", ["127.1.2.3", 65535]),
    dgram("connect+getpeername", ["<broadcast>", 9], ["broadcast"]),
    dgram("connect", ["<broadcast>", 9]), // EACCES without SO_BROADCAST (Linux)
    dgram("connect+getpeername", [enc.encode("127.0.0.1"), 9]),
  ].filter((c) => !(WINDOWS && c[4] && JSON.stringify(c).includes("<broadcast>"))));
  // '' binds the wildcard; the port is the kernel's choice
  using s = new socket.socket(AF_INET, SOCK_DGRAM);
  s.bind(["", 0]);
  const [host, port] = s.getsockname() as Inet;
  assert.equal(host, "0.0.0.0");
  assert.ok(port > 0);
  using t = new socket.socket(AF_INET, SOCK_DGRAM);
  t.bind(["localhost", 0]);
  assert.equal((t.getsockname() as Inet)[0], "127.0.0.1");
  // '' as a destination is 0.0.0.0, which Linux delivers locally (BSD kernels send it to
  // the first interface's address, not necessarily loopback's)
  if (!LINUX) return;
  t.sendto(enc.encode("to-any"), ["", port]);
  const [data, from] = s.recvfrom(100);
  assert.equal(new TextDecoder().decode(data), "to-any");
  assert.deepEqual(from, t.getsockname());
});

test("AF_INET6: 2-, 3- and 4-tuples, flowinfo, scope ids and '%lo'", () => {
  const dgram = (method: string, address: unknown): Case => [
    AF_INET6,
    SOCK_DGRAM,
    0,
    method,
    address,
    [],
  ];
  // '%lo' and scope id 1 name Linux's loopback interface: not on Windows; and Linux drops
  // a flow label nobody registered (getpeername reads 0) where Wine keeps it; and
  // IPV6_V6ONLY is on by default on Windows (no v4-mapped peer).
  // On macOS the loopback interface is lo0 and fe80::1%lo0 is configured: no '%lo' there.
  const linuxLoopback = (c: Case) =>
    (WINDOWS && /%lo|fe80|, ?0, ?1\]|74565|::ffff:/.test(JSON.stringify(c[4]))) ||
    (DARWIN && /%lo|fe80/.test(JSON.stringify(c[4])));
  compare([
    dgram("connect+getpeername", ["::1", 9]),
    dgram("connect+getpeername", ["::1", 9, 0]),
    dgram("connect+getpeername", ["::1", 9, 0, 0]),
    dgram("connect+getpeername", ["::1", 9, 0x12345]),
    dgram("connect+getpeername", ["fe80::1%lo", 9]),
    dgram("connect+getpeername", ["fe80::1", 9, 0, 1]),
    dgram("connect+getpeername", ["::1", 9, 0, 1]),
    dgram("connect+getpeername", ["::1%lo", 9]),
    dgram("connect", ["::1", 9, 0, 2 ** 32 + 1]),
    dgram("connect", ["::1", 9, 0, -1]),
    dgram("connect+getpeername", ["::ffff:127.0.0.1", 9]),
    dgram("connect+getpeername", ["localhost", 9]),
    dgram("connect+getpeername", ["0:0::0:1", 9]),
  ].filter((c) => !linuxLoopback(c)));
  // a 4-tuple to and from the wire
  using r = new socket.socket(AF_INET6, SOCK_DGRAM);
  r.bind(["::1", 0]);
  using s = new socket.socket(AF_INET6, SOCK_DGRAM);
  s.sendto(enc.encode("six"), r.getsockname());
  const [, from] = r.recvfrom(10);
  assert.equal(from!.length, 4);
  const [h, , flow, scope] = from as [string, number, number, number];
  assert.equal(h, "::1");
  assert.equal(flow, 0);
  assert.equal(scope, 0);
  // '%lo' in the host is not a scope id: Python drops it (the connect fails with
  // EINVAL, link-local without a scope), and so do we (the compare above)
  if (!LINUX) return;
  using l = new socket.socket(AF_INET6, SOCK_DGRAM);
  assert.throws(() => l.connect(["fe80::1%lo", 9]), (e: socket.OSError) => e.errno === 22);
});

test("AF_UNIX: path, abstract name, autobind", () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-addr-"));
  try {
    const path = join(dir, "srv.sock");
    using s = new socket.socket(AF_UNIX, SOCK_STREAM);
    s.bind(path);
    assert.equal(s.getsockname(), path);
    assert.ok(statSync(path).isSocket());
    s.listen();
    using c = new socket.socket(AF_UNIX, SOCK_STREAM);
    c.connect(path);
    assert.equal(c.getpeername(), path);
    const [conn, addr] = s.accept();
    assert.equal(addr, ""); // an unbound client: Python gives ''
    conn.close();
    // bytes path
    const bpath = join(dir, "bytes.sock");
    using b = new socket.socket(AF_UNIX, SOCK_DGRAM);
    b.bind(enc.encode(bpath));
    assert.equal(b.getsockname(), bpath);
    // abstract name: bytes in, bytes out
    const name = new Uint8Array([0, ...enc.encode(`socket-test-${Date.now()}`)]);
    using a = new socket.socket(AF_UNIX, SOCK_DGRAM);
    a.bind(name);
    assert.deepEqual(a.getsockname(), name);
    using sender = new socket.socket(AF_UNIX, SOCK_DGRAM);
    sender.sendto(enc.encode("abs"), name);
    assert.equal(new TextDecoder().decode(a.recv(10)), "abs");
    // autobind: '' gives a kernel-chosen abstract name, NUL + 5 hex digits
    using auto = new socket.socket(AF_UNIX, SOCK_DGRAM);
    auto.bind("");
    const got = auto.getsockname() as Uint8Array;
    assert.ok(got instanceof Uint8Array);
    assert.equal(got.length, 6);
    assert.equal(got[0], 0);
    assert.match(new TextDecoder().decode(got.subarray(1)), /^[0-9a-f]{5}$/);
    // ...and the receiver sees it as the sender's address
    auto.sendto(enc.encode("from auto"), name);
    const [, from] = a.recvfrom(100);
    assert.deepEqual(from, got);
    // Python's forms for the same operations
    compare([
      [AF_UNIX, SOCK_DGRAM, 0, "bind+getsockname", join(dir, "py.sock"), ["unlink"]],
      [AF_UNIX, SOCK_DGRAM, 0, "bind+getsockname", new Uint8Array([0, 120, 121, 122, 0]), []],
      [
        AF_UNIX,
        SOCK_DGRAM,
        0,
        "bind+getsockname",
        join(dir, "n".repeat(106 - dir.length)),
        ["unlink"],
      ],
      // a path that is not UTF-8: byte 0x80 is "\udc80" both ways (surrogateescape)
      [AF_UNIX, SOCK_DGRAM, 0, "bind+getsockname", join(dir, "py\udc80\udcff.sock"), ["unlink"]],
    ]);
    using fs = new socket.socket(AF_UNIX, SOCK_DGRAM);
    const raw = join(dir, "raw\udc80.sock");
    fs.bind(raw);
    assert.equal(fs.getsockname(), raw);
    unlinkPath(raw);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("AF_NETLINK: bind and getsockname [pid, groups]", () => {
  using s = new socket.socket(AF_NETLINK, SOCK_RAW, socket.NETLINK_ROUTE);
  s.bind([0, 0]);
  const [pid, groups] = s.getsockname() as [number, number];
  assert.ok(pid > 0, `port id ${pid}`);
  assert.equal(groups, 0);
  using g = new socket.socket(AF_NETLINK, SOCK_RAW, socket.NETLINK_ROUTE);
  g.bind([0, 1]); // RTMGRP_LINK
  const [pid2, groups2] = g.getsockname() as [number, number];
  assert.notEqual(pid2, pid);
  assert.equal(groups2, 1);
  // an explicit port id
  using e = new socket.socket(AF_NETLINK, SOCK_RAW, socket.NETLINK_ROUTE);
  const mine = 0x7ff00000 + (Date.now() % 65536);
  e.bind([mine, 0]);
  assert.deepEqual(e.getsockname(), [mine, 0]);
  compare([[AF_NETLINK, SOCK_RAW, 0, "bind", [0, 0], []]]);
});

test("AF_PACKET: bind on 'lo' and getsockname, as Python (root)", (t) => {
  let probe: socket.socket;
  try {
    probe = new socket.socket(AF_PACKET, SOCK_RAW, 0);
  } catch (e) {
    t.skip(`AF_PACKET sockets not permitted: ${e}`);
    return;
  }
  probe.close();
  const ETH_P_ALL = 3;
  compare([
    [AF_PACKET, SOCK_RAW, 0, "bind+getsockname", ["lo", ETH_P_ALL], []],
    [AF_PACKET, SOCK_DGRAM, 0, "bind+getsockname", ["lo", 0x0800], []],
    [AF_PACKET, SOCK_RAW, 0, "bind+getsockname", ["lo", ETH_P_ALL, 0, 0, new Uint8Array(6)], []],
  ]);
  using s = new socket.socket(AF_PACKET, SOCK_RAW, socket.htons(ETH_P_ALL));
  s.bind(["lo", ETH_P_ALL]);
  const [ifname, proto, pkttype, hatype, addr] = s.getsockname() as [
    string,
    number,
    number,
    number,
    Uint8Array,
  ];
  assert.equal(ifname, "lo");
  assert.equal(proto, ETH_P_ALL);
  assert.equal(pkttype, 0);
  assert.equal(hatype, 772); // ARPHRD_LOOPBACK
  assert.deepEqual(addr, new Uint8Array(6));
});

/** Bytes of a struct built from [offset, size, value] fields, little-endian. */
function struct(size: number, fields: [number, number, number | bigint][]): Uint8Array {
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  for (const [off, n, v] of fields) {
    if (n === 1) dv.setUint8(off, Number(v));
    else if (n === 2) dv.setUint16(off, Number(v), true);
    else if (n === 4) dv.setUint32(off, Number(v), true);
    else dv.setBigUint64(off, BigInt(v), true);
  }
  return out;
}

function encoded(family: number, address: unknown): Uint8Array {
  const buf = new Uint8Array(SOCKADDR_MAX);
  const n = encodeAddress(family, address, buf, "bind");
  return buf.slice(0, n);
}

test("AF_VSOCK, AF_QIPCRTR, AF_CAN, AF_TIPC, AF_ALG: encoding against the kernel layouts", () => {
  // struct sockaddr_vm { u16 family; u16 reserved1; u32 port; u32 cid; u8 flags; u8 zero[3]; }
  const vm = encoded(socket.AF_VSOCK!, [3, 1234]);
  assert.deepEqual(vm, struct(16, [[0, 2, socket.AF_VSOCK!], [4, 4, 1234], [8, 4, 3]]));
  assert.deepEqual(decodeAddress(vm, vm.length), [3, 1234]);
  assert.deepEqual(decodeAddress(encoded(socket.AF_VSOCK!, [-1, 0xffffffff]), 16), [
    0xffffffff,
    0xffffffff,
  ]);
  // struct sockaddr_qrtr { u16 family; u32 node; u32 port; }
  const q = encoded(socket.AF_QIPCRTR!, [7, 0x4000]);
  assert.deepEqual(q, struct(12, [[0, 2, socket.AF_QIPCRTR!], [4, 4, 7], [8, 4, 0x4000]]));
  assert.deepEqual(decodeAddress(q, q.length), [7, 0x4000]);
  // struct sockaddr_can { u16 family; int ifindex; union { {u32 rx, tx} tp;
  //   {u64 name; u32 pgn; u8 addr} j1939 } } (the union 8-aligned)
  const lo = socket.if_nametoindex("lo");
  const can = encoded(socket.AF_CAN!, ["lo"]);
  assert.deepEqual(can, struct(24, [[0, 2, socket.AF_CAN!], [4, 4, lo]]));
  assert.deepEqual(decodeAddress(can, can.length), ["lo"]);
  const isotp = encoded(socket.AF_CAN!, ["lo", 0x123, 0x456]);
  assert.deepEqual(
    isotp,
    struct(24, [[0, 2, socket.AF_CAN!], [4, 4, lo], [8, 4, 0x123], [
      12,
      4,
      0x456,
    ]]),
  );
  const j1939 = encoded(socket.AF_CAN!, ["lo", 0x1122334455n, 0x1ff00, 0x80]);
  assert.deepEqual(
    j1939,
    struct(24, [[0, 2, socket.AF_CAN!], [4, 4, lo], [8, 8, 0x1122334455n], [16, 4, 0x1ff00], [
      20,
      1,
      0x80,
    ]]),
  );
  assert.deepEqual(encoded(socket.AF_CAN!, [""]), struct(24, [[0, 2, socket.AF_CAN!]]));
  // struct sockaddr_tipc { u16 family; u8 addrtype; s8 scope; u32 addr[3] }
  const tipc = encoded(socket.AF_TIPC!, [2, 1000, 1, 2, 3]);
  assert.deepEqual(
    tipc,
    struct(16, [[0, 2, socket.AF_TIPC!], [2, 1, 2], [3, 1, 3], [4, 4, 1000], [8, 4, 1], [
      12,
      4,
      2,
    ]]),
  );
  assert.deepEqual(decodeAddress(tipc, tipc.length), [2, 1000, 1, 2, 3]);
  // struct sockaddr_alg { u16 family; u8 type[14]; u32 feat; u32 mask; u8 name[64]; }
  const alg = encoded(socket.AF_ALG!, ["hash", "sha256", 1, 2]);
  const want = struct(88, [[0, 2, socket.AF_ALG!], [16, 4, 1], [20, 4, 2]]);
  want.set(enc.encode("hash"), 2);
  want.set(enc.encode("sha256"), 24);
  assert.deepEqual(alg, want);
  assert.deepEqual(decodeAddress(alg, alg.length), ["hash", "sha256", 1, 2]);
  assert.deepEqual(decodeAddress(encoded(socket.AF_ALG!, ["skcipher", "cbc(aes)"]), 88), [
    "skcipher",
    "cbc(aes)",
    0,
    0,
  ]);
  // an unknown family decodes as [family, raw bytes]
  const raw = struct(8, [[0, 2, 250], [2, 1, 0xab], [3, 1, 0xcd]]);
  assert.deepEqual(decodeAddress(raw, 4), [250, new Uint8Array([0xab, 0xcd])]);
  // decode never reads past the stated length
  assert.throws(() => decodeAddress(new Uint8Array(4), 8), RangeError);
  // wrong shapes are refused (Python needs a socket of the family to say how, so these
  // have no oracle here)
  assert.throws(() => encoded(socket.AF_VSOCK!, [1]), TypeError);
  assert.throws(() => encoded(socket.AF_ALG!, ["x".repeat(14), "y"]), RangeError);
  assert.throws(() => encoded(socket.AF_ALG!, ["hash", "y".repeat(64)]), RangeError);
  assert.throws(() => encoded(socket.AF_TIPC!, [1, 2, 3]), TypeError);
});

test("bad addresses: the same error class and message as Python", () => {
  const inet = (method: string, address: unknown): Case => [
    AF_INET,
    SOCK_DGRAM,
    0,
    method,
    address,
    [],
  ];
  const inet6 = (method: string, address: unknown): Case => [
    AF_INET6,
    SOCK_DGRAM,
    0,
    method,
    address,
    [],
  ];
  const unix = (method: string, address: unknown): Case => [
    AF_UNIX,
    SOCK_DGRAM,
    0,
    method,
    address,
    [],
  ];
  const cases: Case[] = [
    inet("bind", ["127.0.0.1", 70000]),
    inet("bind", ["127.0.0.1", -1]),
    inet("connect", ["127.0.0.1", 65536]),
    inet("sendto", ["127.0.0.1", 65536]),
    inet("connect_ex", ["127.0.0.1", -5]),
    inet("bind", ["127.0.0.1"]),
    inet("bind", ["127.0.0.1", 1, 2]),
    inet("bind", []),
    inet("bind", "127.0.0.1"),
    inet("bind", null),
    inet("bind", 80),
    inet("connect", "127.0.0.1"),
    inet("sendto", "127.0.0.1"),
    inet("bind", ["a\0b", 80]),
    inet("bind", ["127.0.0.1\0", 80]),
    inet("bind", [1, 80]),
    inet("bind", [null, 80]),
    inet("bind", ["127.0.0.1", "80"]),
    inet("bind", ["127.0.0.1", 1.5]),
    inet("bind", ["127.0.0.1", null]),
    inet6("bind", ["::1"]),
    inet6("bind", ["::1", 0, 0, 0, 0]),
    inet6("bind", "::1"),
    inet6("bind", ["::1", 70000]),
    inet6("connect", ["::1", -1]),
    inet6("bind", ["::1", 0, -1]),
    inet6("bind", ["::1", 0, 0x100000]),
    inet6("bind", ["::1", 0, 0, "x"]),
    inet6("bind", ["::1", 0, 1.5]),
    inet6("bind", ["::1\0", 0]),
    inet6("bind", [5, 0]),
    unix("bind", "x".repeat(200)),
    unix("bind", "/tmp/" + "y".repeat(103)),
    unix("bind", new Uint8Array(109)),
    unix("bind", 5),
    unix("bind", null),
    unix("bind", ["/tmp/x"]),
    unix("connect", "/nonexistent/dir/sock"),
    unix("sendto", "/nonexistent/dir/sock"),
    [AF_NETLINK, SOCK_RAW, 0, "bind", [1], []],
    [AF_NETLINK, SOCK_RAW, 0, "bind", [1, 2, 3], []],
    [AF_NETLINK, SOCK_RAW, 0, "bind", "x", []],
    [AF_NETLINK, SOCK_RAW, 0, "bind", ["a", 0], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["lo"], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["lo", 0, 0, 0, new Uint8Array(6), 1], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["nosuchif0", 0], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["lo", 70000], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["lo", 0, 0, 0, new Uint8Array(9)], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", [5, 0], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", "lo", []],
    // a NUL inside an interface name is refused, not cut at ("lo\0x" bound "lo")
    [AF_PACKET, SOCK_RAW, 0, "bind", ["lo\0x", 0], []],
    [AF_PACKET, SOCK_RAW, 0, "bind", ["\ud800", 0], []],
    // strings libc gets: a lone surrogate is refused before any call (not turned to U+FFFD)
    inet("bind", ["\ud800", 80]),
    inet("connect", ["127.0.0.1\udc80", 80]),
    inet6("bind", ["\ud800", 0]),
    unix("bind", "/tmp/\ud800x"),
    unix("bind", "/nonexistent/\udc80\ud800"),
    // 109 bytes of abstract name do not fit sun_path
    unix("bind", new Uint8Array([0, ...enc.encode("a".repeat(108))])),
  ];
  // Windows: no AF_UNIX under Wine, no netlink or packet sockets; macOS: no netlink or
  // packet sockets (their families are undefined there).
  compare(
    WINDOWS
      ? cases.filter((c) => c[0] === AF_INET || c[0] === AF_INET6)
      : DARWIN
      ? cases.filter((c) => c[0] === AF_INET || c[0] === AF_INET6 || c[0] === AF_UNIX)
      : cases,
  );
});

test("AF_UNIX: an abstract name may fill sun_path (108 bytes), a path may not", () => {
  const name = `socket-test-108-${Date.now()}-`;
  const abstract = new Uint8Array([0, ...enc.encode(name.padEnd(107, "z"))]);
  assert.equal(abstract.length, 108);
  using s = new socket.socket(AF_UNIX, SOCK_DGRAM);
  s.bind(abstract);
  assert.deepEqual(s.getsockname(), abstract);
  using c = new socket.socket(AF_UNIX, SOCK_DGRAM);
  c.sendto(enc.encode("full"), abstract);
  assert.equal(new TextDecoder().decode(s.recv(10)), "full");
  // the same name as a str (a leading NUL makes it abstract too)
  using t = new socket.socket(AF_UNIX, SOCK_DGRAM);
  t.bind("\0" + name.replace("test", "str").padEnd(107, "z"));
  assert.equal((t.getsockname() as Uint8Array).length, 108);
  compare([
    [
      AF_UNIX,
      SOCK_DGRAM,
      0,
      "bind+getsockname",
      new Uint8Array([
        0,
        ...enc.encode(
          `socket-py-108-${Date.now()}-`.padEnd(107, "q"),
        ),
      ]),
      [],
    ],
    [AF_UNIX, SOCK_DGRAM, 0, "bind", "/" + "p".repeat(107), []],
  ]);
});

test("AF_CAN and AF_ALG names: a NUL inside is refused, not cut at; lone surrogates too", () => {
  // Encoded without a socket: the kernel here may lack both families.
  const lo = socket.if_nametoindex("lo");
  assert.deepEqual(encoded(socket.AF_CAN!, ["lo"]).subarray(4, 8), new Uint8Array([lo, 0, 0, 0]));
  assert.throws(() => encoded(socket.AF_CAN!, ["lo\0x"]), {
    name: "RangeError",
    message: "embedded null byte",
  });
  assert.throws(() => encoded(socket.AF_CAN!, ["\ud800"]), {
    name: "RangeError",
    message: "'utf-8' codec can't encode character '\\ud800' in position 0: surrogates not allowed",
  });
  // U+DC80-U+DCFF are file-system bytes 0x80-0xFF (Python's surrogateescape): no such interface
  assert.throws(() => encoded(socket.AF_CAN!, ["lo\udcff"]), { name: "OSError" });
  assert.throws(() => encoded(socket.AF_ALG!, ["hash\0x", "sha256"]), {
    name: "RangeError",
    message: "embedded null character",
  });
  assert.throws(() => encoded(socket.AF_ALG!, ["hash", "sha256\0x"]), {
    name: "RangeError",
    message: "embedded null character",
  });
  assert.throws(() => encoded(socket.AF_ALG!, ["hash", "sha\udc80"]), {
    name: "RangeError",
    message: "'utf-8' codec can't encode character '\\udc80' in position 3: surrogates not allowed",
  });
});
