/**
 * Tests of the running runtime's FFI backend (Deno.dlopen, koffi or bun:ffi):
 * errno after a failed call, the memory readers on known data, and a
 * nonblocking call. Written against node:test so it runs under Deno, Node and Bun.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync } from "./helpers/host.ts";
import process from "node:process";

import { ffi, libc } from "../ffi/mod.ts";
import { table } from "../constants/mod.ts";

const { errno, constants, layouts } = table;

/** Python's text for EAI_NONAME (a numeric-host lookup of a non-address); null without python3. */
function pythonNonameText(): string | null {
  const code = "import socket, sys\n" +
    "try:\n socket.getaddrinfo('not an address', None, flags=socket.AI_NUMERICHOST)\n" +
    "except socket.gaierror as e:\n sys.stdout.write(e.strerror)";
  try {
    return execFileSync("python3", ["-c", code], { encoding: "utf8" });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
}

const cstr = (s: string) => new TextEncoder().encode(s + "\0");

test("platformId names the generated constants table", () => {
  assert.equal(ffi.platformId, table.platform);
});

test("errno after a failed call: close(-1) is EBADF", () => {
  ffi.setErrno(0);
  assert.equal(ffi.errno(), 0);
  assert.equal(libc.close(-1), -1);
  assert.equal(ffi.errno(), errno.EBADF);
});

test("errno survives a second failing call with a different error", () => {
  assert.equal(libc.close(-1), -1);
  assert.equal(ffi.errno(), errno.EBADF);
  // socket(-1, ...) fails with EAFNOSUPPORT (or EINVAL on some systems)
  assert.equal(libc.socket(-1, 1, 0), -1);
  assert.ok([errno.EAFNOSUPPORT, errno.EINVAL].includes(ffi.errno()), String(ffi.errno()));
  ffi.setErrno(errno.EINTR);
  assert.equal(ffi.errno(), errno.EINTR);
});

test("socketpair send/recv move bytes through buffer parameters", () => {
  const fds = new Int32Array(2);
  assert.equal(libc.socketpair(constants.AF_UNIX, constants.SOCK_STREAM, 0, fds), 0);
  try {
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    assert.equal(libc.send(fds[0], data, data.length, 0), 5);
    const into = new Uint8Array(16);
    // a view with an offset: the pointer is the view's first byte, not the buffer's
    const view = new Uint8Array(into.buffer, 3, 8);
    assert.equal(libc.recv(fds[1], view, view.length, 0), 5);
    assert.deepEqual([...into.subarray(0, 9)], [0, 0, 0, 1, 2, 3, 4, 5, 0]);
    // usize arguments accept bigint as well as number
    assert.equal(libc.send(fds[1], data, 2n, 0), 2);
    assert.equal(libc.recv(fds[0], into, BigInt(into.length), 0), 2);
  } finally {
    libc.close(fds[0]);
    libc.close(fds[1]);
  }
});

test("lseek takes and returns 64-bit offsets", () => {
  // lseek on a socket fails with ESPIPE; the -1 comes back as a number or bigint
  const fds = new Int32Array(2);
  assert.equal(libc.socketpair(constants.AF_UNIX, constants.SOCK_STREAM, 0, fds), 0);
  try {
    assert.equal(Number(libc.lseek(fds[0], 0n, 0)), -1);
    assert.equal(ffi.errno(), errno.ESPIPE);
  } finally {
    libc.close(fds[0]);
    libc.close(fds[1]);
  }
});

test("addressOf, peek and readPointer on known data", () => {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i + 1;
  const address = ffi.addressOf(bytes);
  assert.equal(typeof address, "bigint");
  assert.notEqual(address, 0n);
  assert.deepEqual(ffi.peek(address, 4), new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(ffi.peek(Number(address) + 8, 2), new Uint8Array([9, 10]));
  assert.deepEqual(ffi.peek(address, 0), new Uint8Array(0));
  // a copy, not a view: later writes do not show through
  const copy = ffi.peek(address, 4);
  bytes[0] = 99;
  assert.equal(copy[0], 1);
  // the address of a view with an offset is the view's first byte
  assert.equal(ffi.addressOf(bytes.subarray(5)), address + 5n);
  // readPointer reads a native-endian pointer-sized value at an offset
  const cell = new BigUint64Array(2);
  cell[1] = 0x1122334455667788n;
  assert.equal(ffi.readPointer(ffi.addressOf(cell), 8), 0x1122334455667788n);
  assert.equal(ffi.readPointer(ffi.addressOf(cell), 0), 0n);
});

test("peek keeps nothing: 300,000 copies leave the RSS flat", () => {
  const bytes = new Uint8Array(64);
  const address = ffi.addressOf(bytes);
  const round = () => {
    for (let i = 0; i < 100_000; i++) ffi.peek(address, 48);
  };
  round(); // the heap grows to its working size once
  const rss = process.memoryUsage().rss;
  round();
  round();
  round();
  const growth = process.memoryUsage().rss - rss;
  // koffi.view's external buffers (the Node backend's peek until now) kept ~250 bytes a
  // copy after collection: ~75 MB here
  assert.ok(growth < 32 * 1024 * 1024, `RSS grew by ${growth} bytes`);
});

test("peekInto copies into a reused buffer, its length checked before the copy", () => {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i + 1;
  const address = ffi.addressOf(bytes);
  const out = new Uint8Array(8).fill(0xee);
  ffi.peekInto(address, out, 3);
  assert.deepEqual(out, new Uint8Array([1, 2, 3, 0xee, 0xee, 0xee, 0xee, 0xee]));
  ffi.peekInto(Number(address) + 10, out, 8);
  assert.deepEqual(out, new Uint8Array([11, 12, 13, 14, 15, 16, 17, 18]));
  // into a view with an offset: its first byte, nothing around it
  const outer = new Uint8Array(8);
  ffi.peekInto(address, outer.subarray(2, 5), 3);
  assert.deepEqual(outer, new Uint8Array([0, 0, 1, 2, 3, 0, 0, 0]));
  // a copy, not a view
  bytes[0] = 99;
  assert.equal(outer[2], 1);
  // length 0 copies nothing, even from NULL
  ffi.peekInto(0n, out, 0);
  assert.deepEqual(out, new Uint8Array([11, 12, 13, 14, 15, 16, 17, 18]));
  // a length past the buffer, negative or not an integer: RangeError, nothing written
  for (const bad of [9, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => ffi.peekInto(address, out, bad), RangeError, String(bad));
  }
  assert.throws(() => ffi.peekInto(address, outer.subarray(2, 5), 4), RangeError);
  assert.deepEqual(out, new Uint8Array([11, 12, 13, 14, 15, 16, 17, 18]));
  assert.deepEqual(outer, new Uint8Array([0, 0, 1, 2, 3, 0, 0, 0]));
  assert.throws(() => ffi.peekInto(0n, out, 1), RangeError);
});

test("cstring reads libc's static strings (gai_strerror)", () => {
  const text = ffi.cstring(libc.gai_strerror(constants.EAI_NONAME));
  assert.ok(text.length > 0);
  assert.equal(ffi.cstring(libc.gai_strerror(constants.EAI_NONAME)), text);
  const python = pythonNonameText();
  if (python !== null) assert.equal(text, python);
});

test("cstring reads a string in JS memory through its address", () => {
  const bytes = cstr("héllo");
  assert.equal(ffi.cstring(ffi.addressOf(bytes)), "héllo");
});

test("getaddrinfo_async of 127.0.0.1 with AI_NUMERICHOST resolves", async () => {
  const ai = layouts.addrinfo;
  const hints = new Uint8Array(ai.size);
  const view = new DataView(hints.buffer);
  view.setInt32(ai.ai_flags, constants.AI_NUMERICHOST, true);
  view.setInt32(ai.ai_family, constants.AF_INET, true);
  view.setInt32(ai.ai_socktype, constants.SOCK_STREAM, true);
  const result = new BigUint64Array(1);
  const pending = libc.getaddrinfo_async(cstr("127.0.0.1"), cstr("80"), hints, result);
  assert.ok(pending instanceof Promise);
  assert.equal(await pending, 0);
  const list = result[0];
  assert.notEqual(list, 0n);
  try {
    const head = ffi.peek(list, ai.size);
    const fields = new DataView(head.buffer);
    assert.equal(fields.getInt32(ai.ai_family, true), constants.AF_INET);
    const addrlen = fields.getUint32(ai.ai_addrlen, true);
    const sockaddr = ffi.peek(ffi.readPointer(list, ai.ai_addr), addrlen);
    const sin = layouts.sockaddr_in;
    // port 80 in network order, address 127.0.0.1
    assert.deepEqual([...sockaddr.subarray(sin.sin_port, sin.sin_port + 2)], [0, 80]);
    assert.deepEqual([...sockaddr.subarray(sin.sin_addr, sin.sin_addr + 4)], [127, 0, 0, 1]);
  } finally {
    libc.freeaddrinfo(list);
  }
});

test("nonblocking calls run concurrently and each resolves with its own result", async () => {
  const ai = layouts.addrinfo;
  const hints = new Uint8Array(ai.size);
  new DataView(hints.buffer).setInt32(ai.ai_flags, constants.AI_NUMERICHOST, true);
  const results = [new BigUint64Array(1), new BigUint64Array(1), new BigUint64Array(1)];
  const codes = await Promise.all([
    libc.getaddrinfo_async(cstr("127.0.0.1"), null, hints, results[0]),
    libc.getaddrinfo_async(cstr("not an address"), null, hints, results[1]),
    libc.getaddrinfo_async(cstr("::1"), null, hints, results[2]),
  ]);
  assert.equal(codes[0], 0);
  assert.equal(codes[1], constants.EAI_NONAME);
  assert.equal(codes[2], 0);
  libc.freeaddrinfo(results[0][0]);
  libc.freeaddrinfo(results[2][0]);
});
