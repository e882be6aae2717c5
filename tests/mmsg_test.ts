/**
 * recvmmsg / sendmmsg (mmsg.ts, an extension to Python's module) against the real
 * kernel: UDP loopback (per-slot destinations, senders, an echo back to them), AF_UNIX
 * datagram socketpairs (MSG_TRUNC, nothing written past a slot or the caller's buffer),
 * the three socket modes, the async forms, and every argument check.
 */
import { testLinuxOnly } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import * as socket from "../mod.ts";
import {
  MessageBatch,
  MMSG_MAX,
  MMSGHDR,
  recvmmsg,
  sendmmsg,
  sock_recvmmsg,
  sock_sendmmsg,
} from "../mmsg.ts";

const { AF_INET, AF_UNIX, SOCK_DGRAM } = socket;

const test = testLinuxOnly(
  "recvmmsg/sendmmsg are Linux's (neither Winsock nor macOS's libc has them: they raise ENOSYS)",
);

function udp(): socket.socket {
  const s = new socket.socket(AF_INET, SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  return s;
}

/** Receives until `want` datagrams have come (recvmmsg may return fewer per call). */
function receiveAll(sock: socket.socket, batch: MessageBatch, want: number): Uint8Array[] {
  const got: Uint8Array[] = [];
  while (got.length < want) {
    const n = recvmmsg(sock, batch, Math.min(batch.count, want - got.length));
    for (let i = 0; i < n; i++) got.push(batch.data(i).slice());
  }
  return got;
}

test("mod.ts exports the batch API", () => {
  assert.equal(socket.MessageBatch, MessageBatch);
  assert.equal(socket.recvmmsg, recvmmsg);
  assert.equal(socket.sock_sendmmsg, sock_sendmmsg);
  // 64-bit Linux: msghdr is 56 bytes, msg_len follows it, padded to 64.
  assert.equal(MMSGHDR.msg_len, 56);
  assert.equal(MMSGHDR.size, 64);
});

test("UDP loopback: 64 datagrams out in one call, to per-slot addresses, in again", () => {
  using rx = udp();
  using tx = udp();
  const out = new MessageBatch(64, 100);
  for (let i = 0; i < 64; i++) {
    out.slots[i].fill(i, 0, i + 1);
    out.setLength(i, i + 1);
    out.setAddress(i, rx.getsockname(), AF_INET);
  }
  assert.equal(sendmmsg(tx, out), 64);
  for (let i = 0; i < 64; i++) assert.equal(out.nbytes(i), i + 1); // msg_len: bytes sent
  const batch = new MessageBatch(64, 100);
  const got = receiveAll(rx, batch, 64);
  for (let i = 0; i < 64; i++) assert.deepEqual(got[i], new Uint8Array(i + 1).fill(i));
  assert.deepEqual(batch.address(0), tx.getsockname());
  assert.equal(batch.flags(0), 0);
});

test("an echo: the senders and lengths a receive leaves are what a send uses", () => {
  using server = udp();
  using a = udp();
  using b = udp();
  const batch = new MessageBatch(8, 32);
  assert.equal(recvmmsg(server, batch, 0), 0); // a count of 0 makes no call
  a.sendto(new Uint8Array([1, 2, 3]), server.getsockname());
  b.sendto(new Uint8Array([4]), server.getsockname());
  const got = new Map<number, number>();
  let m = 0;
  while (m < 2) {
    const k = recvmmsg(server, batch, 2 - m);
    for (let i = 0; i < k; i++) batch.setLength(i, batch.nbytes(i));
    assert.equal(sendmmsg(server, batch, k), k);
    m += k;
  }
  for (const s of [a, b]) {
    const [data, from] = s.recvfrom(64);
    assert.deepEqual(from, server.getsockname());
    got.set(data.length, data[0]);
  }
  assert.deepEqual([...got].sort(), [[1, 4], [3, 1]]);
});

test("AF_UNIX datagrams: no sender address, MSG_TRUNC, nothing written past a slot", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    // A caller's buffer, the batch in its middle, sentinels on both sides.
    const backing = new Uint8Array(8 + 3 * 4 + 8).fill(0xee);
    const batch = new MessageBatch(3, 4, backing.subarray(8));
    assert.equal(batch.buffer.byteOffset, 8);
    a.send(new Uint8Array([1, 2, 3, 4, 5, 6])); // longer than a slot
    a.send(new Uint8Array([7]));
    a.send(new Uint8Array(4).fill(9));
    assert.equal(recvmmsg(b, batch), 3);
    assert.deepEqual([...batch.data(0)], [1, 2, 3, 4]);
    assert.equal(batch.flags(0) & socket.MSG_TRUNC, socket.MSG_TRUNC);
    assert.deepEqual([...batch.data(1)], [7]);
    assert.equal(batch.flags(1), 0);
    assert.deepEqual([...batch.data(2)], [9, 9, 9, 9]);
    assert.equal(batch.address(0), null); // Python's recvfrom gives None here too
    assert.deepEqual([...backing.subarray(0, 8)], new Array(8).fill(0xee));
    assert.deepEqual([...backing.subarray(20)], new Array(8).fill(0xee));
    // The caller's bytes are the batch's: slot 1 starts 4 bytes after slot 0.
    assert.equal(backing[8 + 4], 7);
  } finally {
    a.close();
    b.close();
  }
});

test("a send on a connected socket, lengths from setLength, a partial count", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    const out = new MessageBatch(4, 8);
    out.slots[0].set([1, 2]);
    out.setLength(0, 2);
    out.setLength(1, 0); // an empty datagram is a datagram
    assert.equal(sendmmsg(a, out, 2), 2);
    assert.deepEqual([...b.recv(16)], [1, 2]);
    assert.equal(b.recv(16).length, 0);
    b.setblocking(false);
    assert.throws(() => b.recv(16), socket.BlockingIOError); // only the two were sent
  } finally {
    a.close();
    b.close();
  }
});

test("start: a partial send goes on from where it stopped; a receive fills later slots", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    const out = new MessageBatch(8, 4);
    for (let i = 0; i < 8; i++) {
      out.slots[i][0] = i;
      out.setLength(i, 1);
    }
    assert.equal(sendmmsg(a, out, 3), 3);
    assert.equal(sendmmsg(a, out, undefined, 0, 3), 5); // slots 3..7
    const into = new MessageBatch(8, 4);
    assert.equal(recvmmsg(b, into, 2, 0, 6), 2); // into slots 6 and 7
    assert.deepEqual([into.data(6)[0], into.data(7)[0]], [0, 1]);
    assert.equal(into.nbytes(0), 0); // slots before start untouched
    assert.equal(recvmmsg(b, into, 4, 0, 2), 4); // slots 2..5
    assert.deepEqual([2, 3, 4, 5].map((i) => into.data(i)[0]), [2, 3, 4, 5]);
    assert.equal(recvmmsg(b, into, undefined, 0, 4), 2); // slots 4..7: the last two came
    assert.deepEqual([into.data(4)[0], into.data(5)[0]], [6, 7]);
    assert.equal(into.nbytes(6), 0); // not filled by this call: cleared
    assert.equal(into.address(7), null);
    assert.throws(() => sendmmsg(a, out, 2, 0, 7), RangeError); // past the last slot
    assert.throws(() => sendmmsg(a, out, undefined, 0, 9), RangeError);
    assert.throws(() => recvmmsg(b, into, 1, 0, -1), RangeError);
    assert.equal(sendmmsg(a, out, undefined, 0, 8), 0); // nothing from the end: no call
  } finally {
    a.close();
    b.close();
  }
});

test("modes: non-blocking raises BlockingIOError, timeout raises TimeoutError", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    const batch = new MessageBatch(4, 8);
    b.setblocking(false);
    assert.throws(() => recvmmsg(b, batch), (e: unknown) => {
      assert.ok(e instanceof socket.BlockingIOError);
      assert.equal((e as socket.OSError).syscall, "recvmmsg");
      return true;
    });
    b.settimeout(0.05);
    assert.throws(() => recvmmsg(b, batch), socket.TimeoutError);
    // In timeout mode a datagram already there comes at once.
    a.send(new Uint8Array([5]));
    assert.equal(recvmmsg(b, batch), 1);
    assert.deepEqual([...batch.data(0)], [5]);
    // A full send buffer: non-blocking sends what fits, then BlockingIOError.
    a.setblocking(false);
    const big = new MessageBatch(64, 8);
    let sent = 0;
    assert.throws(() => {
      for (;;) sent += sendmmsg(a, big);
    }, socket.BlockingIOError);
    assert.ok(sent > 0);
  } finally {
    a.close();
    b.close();
  }
});

test("argument checks come before any system call", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    assert.throws(() => new MessageBatch(0, 8), RangeError);
    assert.throws(() => new MessageBatch(MMSG_MAX + 1, 8), RangeError);
    assert.throws(() => new MessageBatch(1.5, 8), TypeError);
    assert.throws(() => new MessageBatch(4, 0), RangeError);
    assert.throws(() => new MessageBatch(1024, 0x7ffff000), RangeError); // 2**41 bytes
    assert.throws(() => new MessageBatch(4, 8, new Uint8Array(31)), RangeError);
    assert.throws(() => new MessageBatch(4, 8, [] as unknown as Uint8Array), TypeError);
    const Resizable = ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer;
    const resizable = new Resizable(64, { maxByteLength: 128 });
    if ((resizable as { resizable?: boolean }).resizable) {
      assert.throws(() => new MessageBatch(4, 8, new Uint8Array(resizable)), TypeError);
    }
    const batch = new MessageBatch(4, 8);
    assert.throws(() => recvmmsg(b, batch, 5), RangeError);
    assert.throws(() => recvmmsg(b, batch, -1), RangeError);
    assert.throws(() => sendmmsg(a, batch, 1.5), TypeError);
    assert.throws(() => batch.setLength(0, 9), RangeError);
    assert.throws(() => batch.setLength(4, 1), RangeError);
    assert.throws(() => batch.setLength(-1, 1), RangeError);
    assert.throws(() => batch.nbytes(4), RangeError);
    assert.throws(() => batch.setAddress(0, ["127.0.0.1", 70000], AF_INET), RangeError);
    assert.throws(() => recvmmsg(b, batch, 1, 2 ** 31), RangeError);
  } finally {
    a.close();
    b.close();
  }
  // A closed socket: EBADF, as every call on it.
  assert.throws(() => recvmmsg(b, new MessageBatch(1, 1)), (e: unknown) => {
    assert.equal((e as socket.OSError).errno, socket.EBADF ?? 9);
    return true;
  });
});

test("net permission checks: every destination, set before the checks or left by a receive", async () => {
  const perms = await import("../permissions.ts");
  using rx = udp();
  using tx = udp();
  const rxPort = (rx.getsockname() as [string, number])[1];
  const out = new MessageBatch(2, 8);
  out.setAddress(0, ["127.0.0.1", rxPort], AF_INET);
  out.setAddress(1, ["127.0.0.1", 9], AF_INET); // set while the checks are off
  perms.enableNetPermissionChecks((_host, port) => port !== 9);
  try {
    assert.throws(() => sendmmsg(tx, out), socket.PermissionError);
    assert.equal(sendmmsg(tx, out, 1), 1); // slot 0 alone is allowed
    assert.throws(() => out.setAddress(0, ["127.0.0.1", 9], AF_INET), socket.PermissionError);
    tx.setblocking(false);
    await assert.rejects(sock_sendmmsg(tx, out, 1, 0, 1), socket.PermissionError);
  } finally {
    perms.disableNetPermissionChecks();
  }
  const batch = new MessageBatch(1, 8);
  assert.equal(recvmmsg(rx, batch), 1);
  assert.equal(batch.data(0).length, 8);
});

test("a detached buffer is refused (its C address would dangle)", () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    const ab = new ArrayBuffer(64);
    const batch = new MessageBatch(4, 16, new Uint8Array(ab));
    structuredClone(ab, { transfer: [ab] });
    assert.equal(ab.byteLength, 0);
    a.send(new Uint8Array([1]));
    assert.throws(() => recvmmsg(b, batch), TypeError);
    assert.throws(() => sendmmsg(a, batch), TypeError);
    assert.equal(b.recv(8).length, 1); // the datagram is still queued: no call was made
  } finally {
    a.close();
    b.close();
  }
});

test("async: sock_recvmmsg waits for the first datagram, sock_sendmmsg sends", async () => {
  using rx = udp();
  using tx = udp();
  rx.setblocking(false);
  tx.setblocking(false);
  tx.connect(rx.getsockname());
  const batch = new MessageBatch(16, 64);
  const pending = sock_recvmmsg(rx, batch);
  const out = new MessageBatch(16, 64);
  for (let i = 0; i < 16; i++) {
    out.slots[i][0] = i;
    out.setLength(i, 1);
  }
  assert.equal(await sock_sendmmsg(tx, out), 16);
  let n = await pending;
  const seen = [];
  for (;;) {
    for (let i = 0; i < n; i++) seen.push(batch.data(i)[0]);
    if (seen.length === 16) break;
    n = await sock_recvmmsg(rx, batch);
  }
  assert.deepEqual(seen, [...Array(16).keys()]);
  assert.deepEqual(batch.address(0), tx.getsockname());
});

test("async: abort, a blocking socket, a closed one", async () => {
  const [a, b] = socket.socketpair(AF_UNIX, SOCK_DGRAM);
  const batch = new MessageBatch(2, 8);
  await assert.rejects(sock_recvmmsg(b, batch), RangeError); // b is blocking
  b.setblocking(false);
  const controller = new AbortController();
  const pending = sock_recvmmsg(b, batch, undefined, 0, 0, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(pending, /stop/);
  // The socket stays usable after the abort.
  a.send(new Uint8Array([3]));
  assert.equal(await sock_recvmmsg(b, batch), 1);
  const closing = sock_recvmmsg(b, batch);
  b.close();
  await assert.rejects(closing, (e: unknown) => (e as socket.OSError).errno === socket.EBADF);
  await assert.rejects(sock_sendmmsg(b, batch), socket.OSError);
  a.close();
});
