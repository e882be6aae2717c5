/**
 * sendmsg / recvmsg / recvmsg_into: gather and scatter over several buffers, and
 * ancillary data: SCM_RIGHTS both ways with python3 as the peer, SCM_CREDENTIALS,
 * IP_PKTINFO / IPV6_PKTINFO on UDP loopback, MSG_CTRUNC with a control buffer too
 * small (and nothing read past it), and CMSG_LEN / CMSG_SPACE against Python's.
 */
import { DARWIN, LOOPBACK, test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawn } from "./helpers/host.ts";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as socket from "../mod.ts";
import { decodeAncillary, encodeAncillary } from "../message.ts";
import { python } from "./helpers/python.ts";

/** Set by scripts/run_aarch64.sh: the suite runs under qemu-user emulation. */
const UNDER_QEMU = process.env.SOCKET_TEST_UNDER_QEMU === "1";

const enc = new TextEncoder();
const dec = new TextDecoder();

function ints(data: Uint8Array): number[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = [];
  for (let i = 0; i + 4 <= data.length; i += 4) out.push(dv.getInt32(i, true));
  return out;
}

function intBytes(values: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

/** Runs python3 with `code` and args; resolves with its exit code and output. */
function pythonPeer(code: string, args: string[]) {
  const proc = spawn("python3", ["-c", code, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.setEncoding("utf8").on("data", (c: string) => out += c);
  proc.stderr.setEncoding("utf8").on("data", (c: string) => err += c);
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    proc.on("close", (code) => resolve({ code, out, err }))
  );
  return { pid: proc.pid!, done };
}

/** A listening AF_UNIX stream socket in a fresh directory. */
function unixServer(): { srv: socket.socket; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "socket-msg-"));
  const path = join(dir, "s.sock");
  const srv = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
  srv.bind(path);
  srv.listen();
  srv.settimeout(10);
  return {
    srv,
    path,
    cleanup: () => {
      srv.close();
      rmSync(dir, { recursive: true });
    },
  };
}

test("sendmsg gathers several buffers; recvmsg and recvmsg_into scatter them", () => {
  const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  const n = a.sendmsg([
    enc.encode("ab"),
    new Uint8Array(0),
    enc.encode("cde"),
    new Uint16Array([0x6766]),
  ]);
  assert.equal(n, 7);
  const [data, anc, flags, addr] = b.recvmsg(100);
  assert.equal(dec.decode(data), "abcdefg");
  assert.deepEqual(anc, []);
  assert.equal(flags, 0);
  // An unbound sender: no address on Linux (Python's None); XNU gives its sun_noname, an
  // empty AF_UNIX sockaddr, which Python reads as ''.
  assert.equal(addr, DARWIN ? "" : null);
  a.sendmsg([enc.encode("0123"), enc.encode("456789")]);
  const x = new Uint8Array(3);
  const y = new Uint8Array(4);
  const z = new Uint8Array(10);
  const [m, anc2, flags2] = b.recvmsg_into([x, y, z]);
  assert.equal(m, 10);
  assert.deepEqual([dec.decode(x), dec.decode(y), dec.decode(z.subarray(0, 3))], [
    "012",
    "3456",
    "789",
  ]);
  assert.deepEqual(anc2, []);
  assert.equal(flags2, 0);
  // a datagram larger than the buffers: MSG_TRUNC, as Python reports it
  a.sendmsg([new Uint8Array(20)]);
  const [k, , f3] = b.recvmsg_into([new Uint8Array(5), new Uint8Array(5)]);
  assert.equal(k, 10);
  assert.equal(f3 & socket.MSG_TRUNC, socket.MSG_TRUNC);
  a.close();
  b.close();
  // to an address, with recvmsg giving the sender's
  using r = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r.bind(["127.0.0.1", 0]);
  using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  assert.equal(s.sendmsg([enc.encode("to"), enc.encode("addr")], [], 0, r.getsockname()), 6);
  const [d4, , , from] = r.recvmsg(100);
  assert.equal(dec.decode(d4), "toaddr");
  assert.deepEqual(from, s.getsockname());
  // argument errors as Python's
  assert.throws(() => s.sendmsg(enc.encode("x") as unknown as Uint8Array[]), TypeError);
  assert.throws(() => r.recvmsg(-1), RangeError);
  assert.throws(() => r.recvmsg(10, -1), RangeError);
  assert.throws(
    () => s.sendmsg([enc.encode("x")], [[1, 2]] as unknown as socket.AncData[]),
    TypeError,
  );
});

test("SCM_RIGHTS: python3 sends us descriptors (socket.send_fds)", async () => {
  const { srv, path, cleanup } = unixServer();
  const dir = mkdtempSync(join(tmpdir(), "socket-fds-"));
  try {
    const file = join(dir, "from-python.txt");
    const peer = pythonPeer(
      `
import os, socket, sys
f = open(sys.argv[2], "w+"); f.write("written by python"); f.flush()
mine, theirs = socket.socketpair()
mine.sendall(b"through a socket")
with socket.socket(socket.AF_UNIX) as s:
    s.connect(sys.argv[1])
    socket.send_fds(s, [b"two fds"], [f.fileno(), theirs.fileno()])
    s.recv(1)  # wait until the other side is done
`,
      [path, file],
    );
    const [conn] = srv.accept();
    conn.settimeout(10);
    const [data, fds, flags] = socket.recv_fds(conn, 100, 4);
    assert.equal(dec.decode(data), "two fds");
    assert.equal(flags, 0);
    assert.equal(fds.length, 2);
    // the file, read through the received descriptor
    assert.equal(readlinkSync(`/proc/self/fd/${fds[0]}`), file);
    assert.equal(readFileSync(`/proc/self/fd/${fds[0]}`, "utf8"), "written by python");
    // the socket: data python wrote into its other end
    using got = new socket.socket(null, null, null, fds[1]);
    assert.equal(got.family, socket.AF_UNIX);
    got.settimeout(10);
    assert.equal(dec.decode(got.recv(100)), "through a socket");
    socket.close(fds[0]);
    conn.send(enc.encode("."));
    conn.close();
    assert.equal((await peer.done).code, 0);
  } finally {
    cleanup();
    rmSync(dir, { recursive: true });
  }
});

test("SCM_RIGHTS: we send python3 a file and a socket (send_fds and raw sendmsg)", async () => {
  const { srv, path, cleanup } = unixServer();
  const dir = mkdtempSync(join(tmpdir(), "socket-fds-"));
  try {
    const file = join(dir, "from-ts.txt");
    writeFileSync(file, "written by typescript");
    const peer = pythonPeer(
      `
import os, socket, sys, json
with socket.socket(socket.AF_UNIX) as s:
    s.settimeout(10)
    s.connect(sys.argv[1])
    msg, fds, flags, addr = socket.recv_fds(s, 100, 4)
    text = os.pread(fds[0], 100, 0).decode()
    sock = socket.socket(fileno=fds[1])
    sock.sendall(b"python wrote on our socket")
    # and the raw form: one SCM_RIGHTS item via sendmsg
    msg2, anc, flags2, _ = s.recvmsg(100, socket.CMSG_SPACE(4))
    level, kind, data = anc[0]
    fd3 = int.from_bytes(data[:4], "little")
    print(json.dumps({"msg": msg.decode(), "n": len(fds), "text": text, "msg2": msg2.decode(),
                      "item": [level, kind, len(data)], "text3": os.pread(fd3, 100, 0).decode()}))
`,
      [path],
    );
    const [conn] = srv.accept();
    conn.settimeout(10);
    const fd = openSync(file, "r");
    const [mine, theirs] = socket.socketpair();
    try {
      assert.equal(socket.send_fds(conn, [enc.encode("fds for you")], [fd, theirs.fileno()]), 11);
      theirs.close(); // python holds its own copy now
      mine.settimeout(10);
      let got = "";
      while (got.length < "python wrote on our socket".length) {
        const chunk = mine.recv(100);
        if (chunk.length === 0) break;
        got += dec.decode(chunk);
      }
      assert.equal(got, "python wrote on our socket");
      conn.sendmsg([enc.encode("raw")], [[socket.SOL_SOCKET, socket.SCM_RIGHTS, intBytes([fd])]]);
      const res = await peer.done;
      assert.equal(res.code, 0, res.err);
      assert.deepEqual(JSON.parse(res.out), {
        msg: "fds for you",
        n: 2,
        text: "written by typescript",
        msg2: "raw",
        item: [socket.SOL_SOCKET, socket.SCM_RIGHTS, 4],
        text3: "written by typescript",
      });
    } finally {
      closeSync(fd);
      mine.close();
      conn.close();
    }
  } finally {
    cleanup();
    rmSync(dir, { recursive: true });
  }
});

test("SCM_CREDENTIALS: SO_PASSCRED gives the sender's pid, uid and gid", async () => {
  // our own credentials over a socketpair
  const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED!, 1);
  a.send(enc.encode("who"));
  const space = socket.CMSG_SPACE(12);
  const [, anc] = b.recvmsg(10, space);
  assert.equal(anc.length, 1);
  const [level, type, data] = anc[0];
  assert.equal(level, socket.SOL_SOCKET);
  assert.equal(type, socket.SCM_CREDENTIALS);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  assert.deepEqual(ints(data), [process.pid, uid, gid]);
  // explicit credentials in sendmsg
  a.sendmsg([enc.encode("x")], [[
    socket.SOL_SOCKET,
    socket.SCM_CREDENTIALS,
    intBytes([process.pid, uid, gid]),
  ]]);
  const [, anc2] = b.recvmsg(10, space);
  assert.deepEqual(ints(anc2[0][2]), [process.pid, uid, gid]);
  a.close();
  b.close();
  // python3 as the sender: the kernel vouches for its pid
  const dir = mkdtempSync(join(tmpdir(), "socket-cred-"));
  try {
    const path = join(dir, "d.sock");
    using r = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
    r.bind(path);
    r.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED!, 1);
    r.settimeout(10);
    const peer = pythonPeer(
      "import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.sendto(b'hi', sys.argv[1])",
      [path],
    );
    const [d, anc3] = r.recvmsg(10, space);
    assert.equal(dec.decode(d), "hi");
    assert.deepEqual(ints(anc3[0][2]), [peer.pid, uid, gid]);
    assert.equal((await peer.done).code, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("IP_PKTINFO and IPV6_RECVPKTINFO on UDP loopback", () => {
  const lo = socket.if_nametoindex(LOOPBACK);
  using r4 = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  r4.bind(["127.0.0.1", 0]);
  r4.setsockopt(socket.IPPROTO_IP, socket.IP_PKTINFO, 1);
  using s4 = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  s4.sendto(enc.encode("v4"), r4.getsockname());
  // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
  const [d4, anc4] = r4.recvmsg(10, socket.CMSG_SPACE(12));
  assert.equal(dec.decode(d4), "v4");
  assert.equal(anc4.length, 1);
  const [lv4, ty4, info4] = anc4[0];
  assert.equal(lv4, socket.IPPROTO_IP);
  assert.equal(ty4, socket.IP_PKTINFO);
  assert.equal(info4.length, 12);
  assert.equal(new DataView(info4.buffer, info4.byteOffset).getInt32(0, true), lo);
  assert.deepEqual(Array.from(info4.subarray(8, 12)), [127, 0, 0, 1]);

  using r6 = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  r6.bind(["::1", 0]);
  r6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO!, 1);
  using s6 = new socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);
  // the source chosen with IPV6_PKTINFO in sendmsg: struct in6_pktinfo { in6_addr; int ifindex; }
  const pkt = new Uint8Array(20);
  pkt.set(socket.inet_pton(socket.AF_INET6, "::1"), 0);
  s6.sendmsg(
    [enc.encode("v6")],
    [[socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, pkt]],
    0,
    r6.getsockname(),
  );
  const [d6, anc6, , from6] = r6.recvmsg(10, socket.CMSG_SPACE(20));
  assert.equal(dec.decode(d6), "v6");
  assert.equal((from6 as string[])[0], "::1");
  assert.equal(anc6.length, 1);
  const [lv6, ty6, info6] = anc6[0];
  assert.equal(lv6, socket.IPPROTO_IPV6);
  assert.equal(ty6, socket.IPV6_PKTINFO);
  assert.equal(socket.inet_ntop(socket.AF_INET6, info6.subarray(0, 16)), "::1");
  assert.equal(new DataView(info6.buffer, info6.byteOffset).getUint32(16, true), lo);
});

test("MSG_CTRUNC when the control buffer is too small; nothing read past it", (t) => {
  if (UNDER_QEMU) {
    // qemu-user translates control messages itself and drops MSG_CTRUNC on truncation.
    return t.skip("qemu-user does not report MSG_CTRUNC (scripts/run_aarch64.sh)");
  }
  const py = python<number[][]>(`
import socket, json, os
out = []
for anc in [socket.CMSG_LEN(4), socket.CMSG_LEN(8), socket.CMSG_SPACE(12), 17, 8, 0]:
    a, b = socket.socketpair()
    fds = [os.dup(0), os.dup(0), os.dup(0)]
    socket.send_fds(a, [b"x"], fds)
    msg, items, flags, addr = b.recvmsg(1, anc)
    got = [len(d) for (_, _, d) in items]
    for (_, _, d) in items:
        for i in range(0, len(d) - len(d) % 4, 4):
            os.close(int.from_bytes(d[i:i+4], "little"))
    out.append([len(items), sum(got), flags & socket.MSG_CTRUNC])
    for fd in fds: os.close(fd)
print(json.dumps(out))
`);
  const sizes = [socket.CMSG_LEN(4), socket.CMSG_LEN(8), socket.CMSG_SPACE(12), 17, 8, 0];
  sizes.forEach((anc, i) => {
    const [a, b] = socket.socketpair();
    const [x, y] = socket.socketpair();
    socket.send_fds(a, [enc.encode("x")], [x.fileno(), y.fileno(), x.fileno()]);
    const [, items, flags] = b.recvmsg(1, anc);
    for (const [, , d] of items) {
      assert.ok(d.length <= Math.max(0, anc - socket.CMSG_LEN(0)), `item of ${d.length} in ${anc}`);
      for (const fd of ints(d)) socket.close(fd);
    }
    const row = [
      items.length,
      items.reduce((n, [, , d]) => n + d.length, 0),
      flags & socket.MSG_CTRUNC,
    ];
    assert.deepEqual(row, py[i], `ancbufsize ${anc}`);
    for (const s of [a, b, x, y]) s.close();
  });
  // decodeAncillary alone: a header that claims more than the buffer is clipped to it
  const control = encodeAncillary([[socket.SOL_SOCKET, socket.SCM_RIGHTS, intBytes([1, 2, 3])]])!;
  assert.equal(control.length, socket.CMSG_SPACE(12));
  const cut = control.slice(0, socket.CMSG_LEN(4));
  const items = decodeAncillary(cut, cut.length);
  assert.equal(items.length, 1);
  assert.deepEqual(ints(items[0][2]), [1]);
  // a length shorter than the buffer: only that much is read
  assert.deepEqual(decodeAncillary(control, socket.CMSG_LEN(8)).map((i) => ints(i[2])), [[1, 2]]);
  assert.deepEqual(decodeAncillary(control, 8), []);
});

test("CMSG_LEN and CMSG_SPACE equal Python's, errors included", () => {
  const inputs = [
    0,
    1,
    3,
    4,
    7,
    8,
    12,
    16,
    100,
    1000,
    -1,
    2 ** 31,
    2 ** 31 - 17,
    2 ** 31 - 24,
    2 ** 40,
  ];
  const py = python<Record<string, unknown>[][]>(`
import socket, json
def run(f, n):
    try: return {"ok": f(n)}
    except Exception as e: return {"error": type(e).__name__, "message": str(e)}
nums = ${JSON.stringify(inputs)}
print(json.dumps([[run(socket.CMSG_LEN, n), run(socket.CMSG_SPACE, n)] for n in nums]))
`);
  const run = (f: (n: number) => number, n: number) => {
    try {
      return { ok: f(n) };
    } catch (e) {
      return { error: (e as Error).name, message: (e as Error).message };
    }
  };
  inputs.forEach((n, i) => {
    for (const [j, f] of [socket.CMSG_LEN, socket.CMSG_SPACE].entries()) {
      const ours = run(f, n);
      const theirs = py[i][j] as { ok?: number; error?: string; message?: string };
      if ("ok" in theirs) assert.deepEqual(ours, theirs, `${f.name}(${n})`);
      else {
        assert.equal(ours.error, "RangeError", `${f.name}(${n})`);
        assert.equal(ours.message, theirs.message, `${f.name}(${n})`);
      }
    }
  });
});
