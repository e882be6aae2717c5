/**
 * socket.makefile(): buffered and text files over a socket, their close semantics, timeouts,
 * and, with python3 as peer and as oracle, the same lines from the same bytes as Python's.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawn } from "./helpers/host.ts";
import * as socket from "../mod.ts";
import { UnsupportedOperation } from "../makefile.ts";
import type { SocketFile } from "../makefile.ts";
import { python } from "./helpers/python.ts";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

function bin(s: socket.socket, mode = "rb", buffering: number | null = null) {
  return s.makefile(mode, buffering) as SocketFile<Uint8Array>;
}

function text(
  s: socket.socket,
  mode = "r",
  buffering: number | null = null,
  options: socket.MakefileOptions = {},
) {
  return s.makefile(mode, buffering, options) as SocketFile<string>;
}

/** A socketpair whose first end has sent `data` and shut down its write half. */
function fed(data: string | Uint8Array): [socket.socket, socket.socket] {
  const [a, b] = socket.socketpair();
  a.sendall(typeof data === "string" ? bytes(data) : data);
  a.shutdown(socket.SHUT_WR);
  return [a, b];
}

/** True when nothing is waiting on `s` and the peer has not closed (non-blocking check). */
function nothingYet(s: socket.socket): boolean {
  const t = s.gettimeout();
  s.settimeout(0);
  try {
    s.recv(1, socket.MSG_PEEK);
    return false;
  } catch (e) {
    if (e instanceof socket.BlockingIOError) return true;
    throw e;
  } finally {
    s.settimeout(t);
  }
}

/** True when the peer of `s` has closed (a zero-length peek). */
function sawEof(s: socket.socket): boolean {
  const t = s.gettimeout();
  s.settimeout(0);
  try {
    return s.recv(1, socket.MSG_PEEK).length === 0;
  } catch (e) {
    if (e instanceof socket.BlockingIOError) return false;
    throw e;
  } finally {
    s.settimeout(t);
  }
}

test("binary readline through a small buffer, in pieces", () => {
  const [a, b] = fed("hello world\nsecond line\nno newline");
  const f = bin(b, "rb", 4);
  assert.deepEqual(f.readline(), bytes("hello world\n"));
  assert.deepEqual(f.readline(3), bytes("sec"));
  assert.deepEqual(f.readline(), bytes("ond line\n"));
  assert.deepEqual(f.readline(), bytes("no newline"));
  assert.deepEqual(f.readline(), new Uint8Array(0));
  f.close();
  a.close();
  b.close();
});

test("read(), read(n), read1, peek, readinto", () => {
  const [a, b] = fed("0123456789abcdefghij");
  const f = bin(b, "rb", 8);
  assert.deepEqual(f.read(0), new Uint8Array(0));
  assert.deepEqual(f.read(3), bytes("012"));
  assert.deepEqual(f.peek().subarray(0, 1), bytes("3"));
  assert.deepEqual(f.read1(2), bytes("34"));
  const buf = new Uint8Array(10);
  assert.equal(f.readinto(buf), 10);
  assert.deepEqual(buf, bytes("56789abcde"));
  assert.deepEqual(f.read(), bytes("fghij"));
  assert.deepEqual(f.read(), new Uint8Array(0));
  assert.equal(f.readinto(buf), 0);
  assert.throws(() => f.read(-2), { name: "RangeError", message: /non-negative or -1/ });
  f.close();
  a.close();
  b.close();
});

test("read(n) waits for n bytes across receives; readinto fills the buffer", () => {
  const [a, b] = socket.socketpair();
  for (const piece of ["ab", "cd", "ef", "gh"]) a.sendall(bytes(piece));
  a.shutdown(socket.SHUT_WR);
  const f = bin(b, "rb", 2);
  assert.deepEqual(f.read(5), bytes("abcde"));
  const buf = new Uint8Array(5);
  assert.equal(f.readinto(buf), 3);
  assert.deepEqual(buf.subarray(0, 3), bytes("fgh"));
  f.close();
  a.close();
  b.close();
});

test("readlines, hint, iteration, text and binary", () => {
  const [a, b] = fed("one\ntwo\nthree\nfour\n");
  const f = text(b);
  assert.deepEqual(f.readlines(5), ["one\n", "two\n"]);
  const rest: string[] = [];
  for (const line of f) rest.push(line);
  assert.deepEqual(rest, ["three\n", "four\n"]);
  assert.deepEqual(f.readlines(), []);
  f.close();
  a.close();
  b.close();
  const [c, d] = fed("x\ny\n");
  const g = bin(d);
  assert.deepEqual([...g], [bytes("x\n"), bytes("y\n")]);
  g.close();
  c.close();
  d.close();
});

test("unbuffered binary file: raw reads, byte-wise readline, partial writes counted", () => {
  const [a, b] = fed("ab\ncd");
  const f = bin(b, "rb", 0);
  assert.equal(f.mode, "rb");
  assert.deepEqual(f.readline(), bytes("ab\n"));
  // Nothing past the line was consumed.
  assert.deepEqual(b.recv(10), bytes("cd"));
  f.close();
  const w = bin(a, "wb", 0);
  a.close();
  assert.throws(() => w.write(bytes("x")), socket.OSError);
  w.close();
  b.close();
});

test("write is buffered until flush (or the buffer is full); close flushes", () => {
  const [a, b] = socket.socketpair();
  const w = bin(a, "wb", 8);
  assert.equal(w.write(bytes("abc")), 3);
  assert.ok(nothingYet(b));
  w.flush();
  assert.deepEqual(b.recv(100), bytes("abc"));
  assert.equal(w.write(bytes("12345678")), 8); // fits exactly: still buffered
  assert.ok(nothingYet(b));
  assert.equal(w.write(bytes("9")), 1); // overflows: the buffer goes out
  assert.deepEqual(b.recv(100), bytes("12345678"));
  w.writelines([bytes("x"), bytes("y")]);
  w.close();
  assert.deepEqual(b.recv(100), bytes("9xy"));
  assert.throws(() => w.write(bytes("z")), { name: "RangeError", message: "write to closed file" });
  a.close();
  b.close();
});

test("text write: characters counted, newline translation, pending until flush", () => {
  const [a, b] = socket.socketpair();
  const w = text(a, "w", 1, { newline: "\r\n" });
  assert.equal(w.write("h\u00e9\u{1F600}\n"), 4);
  assert.ok(nothingYet(b)); // the text layer keeps up to 8192 bytes itself
  w.flush();
  assert.deepEqual(b.recv(100), bytes("h\u00e9\u{1F600}\r\n"));
  assert.throws(() => w.write(bytes("x") as unknown as string), TypeError);
  w.close();
  a.close();
  b.close();
});

test("text: a multibyte character split across three receives decodes whole", async () => {
  // python3 sends e2, 82, ac+"\n" with pauses, so each recv() gets one piece.
  const [conn, done] = await pythonPeer([[0xe2], [0x82], [0xac, 0x0a], [0xe2, 0x82, 0xac]]);
  const f = text(conn);
  assert.equal(f.readline(), "\u20ac\n");
  assert.equal(f.read(), "\u20ac");
  f.close();
  conn.close();
  await done;
});

test("text decoding: strict raises RangeError like UnicodeDecodeError, replace, latin-1", () => {
  let [a, b] = fed(new Uint8Array([0x61, 0x62, 0xff, 0x0a]));
  const strict = text(b);
  assert.throws(() => strict.readline(), {
    name: "RangeError",
    message: "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte",
  });
  strict.close();
  a.close();
  b.close();
  [a, b] = fed(new Uint8Array([0x61, 0xff, 0x0a]));
  const lenient = text(b, "r", null, { errors: "replace" });
  assert.equal(lenient.readline(), "a\ufffd\n");
  lenient.close();
  a.close();
  b.close();
  [a, b] = fed(new Uint8Array([0xe9, 0xff, 0x0a]));
  const latin = text(b, "r", null, { encoding: "latin-1" });
  assert.equal(latin.read(), "\u00e9\u00ff\n");
  latin.close();
  a.close();
  b.close();
  const [c, d] = socket.socketpair();
  const w = text(c, "w", null, { encoding: "ascii" });
  assert.throws(() => w.write("ab\u00e9"), {
    name: "RangeError",
    message:
      "'ascii' codec can't encode character '\\xe9' in position 2: ordinal not in range(128)",
  });
  w.close();
  c.close();
  d.close();
});

test("universal newlines, newline='' and newline='\\r\\n' on reading", () => {
  const data = "a\r\nb\rc\nd\r";
  const read = (newline: string | null) => {
    const [a, b] = fed(data);
    const f = text(b, "r", null, { newline });
    const lines = f.readlines();
    f.close();
    a.close();
    b.close();
    return lines;
  };
  assert.deepEqual(read(null), ["a\n", "b\n", "c\n", "d\n"]);
  assert.deepEqual(read(""), ["a\r\n", "b\r", "c\n", "d\r"]);
  assert.deepEqual(read("\r\n"), ["a\r\n", "b\rc\nd\r"]);
  assert.deepEqual(read("\n"), ["a\r\n", "b\rc\n", "d\r"]);
  const [a, b] = fed(data);
  const f = text(b);
  assert.equal(f.read(), "a\nb\nc\nd\n");
  f.close();
  a.close();
  b.close();
});

test("text read(n) counts characters, readline(n) too", () => {
  const [a, b] = fed("h\u00e9\u{1F600}llo\nworld\n");
  const f = text(b);
  assert.equal(f.read(3), "h\u00e9\u{1F600}");
  assert.equal(f.readline(2), "ll");
  assert.equal(f.readline(), "o\n");
  assert.equal(f.read(100), "world\n");
  assert.equal(f.read(1), "");
  f.close();
  a.close();
  b.close();
});

test("modes, buffering and options are checked as Python checks them", () => {
  const [a, b] = socket.socketpair();
  assert.throws(() => b.makefile("rx"), {
    name: "RangeError",
    message: "invalid mode 'rx' (only r, w, b allowed)",
  });
  assert.throws(() => b.makefile("a"), { message: "invalid mode 'a' (only r, w, b allowed)" });
  assert.throws(() => b.makefile("r", 0), {
    name: "RangeError",
    message: "unbuffered streams must be binary",
  });
  assert.throws(() => b.makefile("r", null, { newline: "x" }), {
    name: "RangeError",
    message: "illegal newline value: x",
  });
  assert.throws(() => b.makefile("rb", 1.5), TypeError);
  assert.equal(b._io_refs, 0);
  const modes: [string, string, boolean, boolean][] = [
    ["r", "r", true, false],
    ["", "", true, false],
    ["b", "rb", true, false],
    ["w", "w", false, true],
    ["wb", "wb", false, true],
    ["rw", "rw", true, true],
    ["rwb", "rwb", true, true],
  ];
  for (const [mode, shown, r, w] of modes) {
    const f = b.makefile(mode);
    assert.equal(f.mode, shown);
    assert.equal(f.readable(), r);
    assert.equal(f.writable(), w);
    assert.equal(f.seekable(), false);
    assert.equal(f.name, b.fileno());
    if (mode.includes("r") && mode.includes("w")) {
      assert.throws(() => f.fileno(), UnsupportedOperation);
    } else {
      assert.equal(f.fileno(), b.fileno());
    }
    f.close();
    assert.equal(f.closed, true);
    assert.equal(f.name, -1);
  }
  assert.equal(b._io_refs, 0);
  a.close();
  b.close();
});

test("operations a file was not opened for, and on a closed file", () => {
  const [a, b] = socket.socketpair();
  const r = bin(b, "rb");
  assert.throws(() => r.write(bytes("x")), UnsupportedOperation);
  const w = text(b, "w");
  assert.throws(() => w.read(), { name: "UnsupportedOperation", message: "not readable" });
  assert.throws(
    () => (w as unknown as SocketFile<Uint8Array>).readinto(new Uint8Array(1)),
    TypeError,
  );
  r.close();
  w.close();
  r.close(); // idempotent
  assert.throws(() => r.read(), { name: "RangeError", message: "read of closed file" });
  assert.throws(() => r.readline(), { message: "readline of closed file" });
  assert.throws(() => w.write("x"), { message: "I/O operation on closed file." });
  assert.throws(() => r.readable(), { message: "I/O operation on closed socket." });
  assert.throws(() => [...r], { message: "I/O operation on closed file." });
  a.close();
  b.close();
});

test("closing the file first: the socket stays open; the peer sees EOF after both", () => {
  const [a, b] = socket.socketpair();
  const fd = b.fileno();
  const f = bin(b, "rwb");
  f.write(bytes("hi"));
  f.close(); // flushes
  assert.equal(b.fileno(), fd);
  assert.deepEqual(a.recv(10), bytes("hi"));
  assert.ok(!sawEof(a));
  b.sendall(bytes("still usable"));
  assert.deepEqual(a.recv(100), bytes("still usable"));
  b.close();
  assert.equal(b.fileno(), -1);
  assert.ok(sawEof(a));
  a.close();
});

test("closing the socket first: the descriptor lives until the last file closes", () => {
  const [a, b] = socket.socketpair();
  const fd = b.fileno();
  const r = text(b, "r");
  const w = text(b, "w");
  assert.equal(b._io_refs, 2);
  b.close();
  assert.equal(b.fileno(), fd);
  assert.ok(!sawEof(a));
  w.write("through the file\n");
  w.close();
  assert.equal(b.fileno(), fd);
  assert.ok(!sawEof(a));
  a.sendall(bytes("reply\n"));
  assert.equal(r.readline(), "reply\n");
  const got = a.recv(100);
  assert.deepEqual(got, bytes("through the file\n"));
  r[Symbol.dispose]();
  assert.equal(b.fileno(), -1);
  assert.equal(b._io_refs, 0);
  assert.ok(sawEof(a));
  a.close();
});

test("a timeout propagates, then the file refuses to read (as Python)", () => {
  const [a, b] = socket.socketpair();
  b.settimeout(0.05);
  const f = bin(b, "rb");
  assert.throws(() => f.read(1), socket.TimeoutError);
  assert.throws(() => f.read(1), (e: unknown) => {
    assert.ok(e instanceof socket.OSError && !(e instanceof socket.TimeoutError));
    assert.equal(e.message, "cannot read from timed out object");
    return true;
  });
  assert.throws(() => f.readline(), { message: "cannot read from timed out object" });
  f.close();
  const t = text(b, "r");
  assert.throws(() => t.readline(), socket.TimeoutError);
  t.close();
  a.close();
  b.close();
});

test("non-blocking: what is there is returned, nothing raises BlockingIOError", () => {
  const [a, b] = socket.socketpair();
  b.setblocking(false);
  const f = bin(b, "rb");
  assert.throws(() => f.read(1), socket.BlockingIOError);
  a.sendall(bytes("part"));
  assert.deepEqual(f.read(10), bytes("part"));
  f.close();
  a.close();
  b.close();
});

// ---- python3 as the peer and as the oracle -------------------------------------------------

type Op = [string, number | null];

/** Python reading `pieces` (sent with pauses over a socketpair) with makefile and `ops`. */
function oracle(
  pieces: number[][],
  mode: string,
  buffering: number,
  newline: string | null,
  ops: Op[],
) {
  const code = `
import json, socket, sys, threading, time
pieces, mode, buffering, newline, ops = json.loads(sys.stdin.read())
a, b = socket.socketpair()
def feed():
    for p in pieces:
        a.sendall(bytes(p)); time.sleep(0.02)
    a.close()
threading.Thread(target=feed).start()
kw = {} if "b" in mode else {"newline": newline}
f = b.makefile(mode, buffering, **kw)
def plain(v):
    if isinstance(v, (bytes, bytearray)): return list(v)
    if isinstance(v, list): return [plain(x) for x in v]
    return v
out = []
for name, arg in ops:
    fn = getattr(f, name)
    out.append(plain(fn() if arg is None else fn(arg)))
print(json.dumps(out))
`;
  return python<unknown[]>(code, JSON.stringify([pieces, mode, buffering, newline, ops]));
}

/** Starts python3 sending `pieces` with pauses to a server of ours; returns our accepted end. */
async function pythonPeer(pieces: number[][]): Promise<[socket.socket, Promise<void>]> {
  const srv = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  srv.bind(["127.0.0.1", 0]);
  srv.listen(1);
  srv.settimeout(20);
  const port = (srv.getsockname() as [string, number])[1];
  const code = `
import json, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for p in json.loads(sys.argv[2]):
    s.sendall(bytes(p)); time.sleep(0.02)
s.close()
`;
  const proc = spawn("python3", ["-c", code, String(port), JSON.stringify(pieces)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const done = new Promise<void>((resolve, reject) => {
    proc.on("error", reject);
    proc.on(
      "close",
      (status) => status === 0 ? resolve() : reject(new Error(`python3: ${status}`)),
    );
  });
  // Let the event loop start the child before this thread blocks in accept().
  await new Promise((r) => setTimeout(r, 0));
  const [conn] = srv.accept();
  srv.close();
  conn.settimeout(20);
  return [conn, done];
}

function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

// Lines end in every way, the two-byte é and the three-byte € are split between pieces, and
// one piece ends in "\r" before its "\n".
const pieces: number[][] = [
  bytes("one\r"),
  bytes("\ntwo\rthr"),
  [...bytes("ee\n\u00e9"), 0xe2],
  [0x82],
  [0xac, ...bytes("\r\n")],
  bytes("line five is rather longer than the buffer\r"),
  bytes("last"),
].map((p) => Array.from(p));

const cases: [string, number, string | null, Op[]][] = [
  ["r", -1, null, [["readline", null], ["readline", null], ["read", 3], ["readlines", null]]],
  ["r", 4, "", [["readline", null], ["readline", 2], ["readlines", null]]],
  ["r", -1, "\r\n", [["readlines", null]]],
  ["r", -1, null, [["read", null]]],
  ["rb", 4, null, [["readline", null], ["read", 5], ["read1", 3], ["readlines", null]]],
  ["rb", 0, null, [["readline", null], ["readline", 4], ["read", null]]],
  ["rb", -1, null, [["read", 7], ["readlines", 10], ["read", null]]],
];

for (const [mode, buffering, newline, ops] of cases) {
  test(
    `python3 peer, mode ${JSON.stringify(mode)} buffering ${buffering} newline ${
      JSON.stringify(newline)
    }: ${ops.map((o) => o[0]).join(",")} as Python's makefile`,
    async () => {
      const expected = oracle(pieces, mode, buffering, newline, ops);
      const [conn, done] = await pythonPeer(pieces);
      const f = conn.makefile(mode, buffering, mode.includes("b") ? {} : { newline });
      const got: unknown[] = [];
      for (const [name, arg] of ops) {
        const fn = (f as unknown as Record<string, (x?: number) => unknown>)[name].bind(f);
        got.push(plain(arg === null ? fn() : fn(arg)));
      }
      f.close();
      conn.close();
      await done;
      assert.deepEqual(got, expected);
    },
  );
}
