/**
 * Child process of tests/uring_test.ts: the backend choice is made once per process, at the
 * first async operation, so each choice is observed in a process of its own. Modes:
 *
 * - `backend`: prints which backend runs the byte operations (after one round trip);
 * - `exit`: starts a receive that never completes, waits until the helper thread's wait
 *   is in flight, then calls process.exit(0): the process must end at once;
 * - `idle`: one round trip, then returns from the script: the process must end at once
 *   (nothing of the backend keeps it alive);
 * - `sqfull`: more sends started at once than the SQ has entries (run with the enter made
 *   when the SQ is full failing): prints how many completed and what the peers got;
 * - `leaks`: prints the io_uring mappings and descriptors the backend choice added (run
 *   with io_uring's setup made to fail part way).
 *
 * @module
 */
import process from "node:process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as socket from "../../mod.ts";
import { sock_recv, sock_sendall } from "../../asyncio.ts";
import { byteBackend, getReactor, uringEngine } from "../../reactor/mod.ts";
import { uringUnavailable } from "../../reactor/uring.ts";

const mode = process.argv[2];

/** io_uring mappings and descriptors of this process (the runtime may have its own). */
function uringResources(): { maps: number; fds: number } {
  const maps =
    readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => l.includes("io_uring"))
      .length;
  let fds = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes("io_uring")) fds++;
    } catch { /* the directory's own descriptor */ }
  }
  return { maps, fds };
}
const before = uringResources();

if (mode === "sqfull") {
  // Before any other async operation: the first io_uring_enter is the one made when the
  // SQ fills up, in the middle of this loop.
  const pairs = Array.from({ length: 1100 }, () => socket.socketpair());
  const signal = AbortSignal.timeout(10_000);
  const sends = pairs.map(([a, b], i) => {
    a.setblocking(false);
    b.setblocking(false);
    return sock_sendall(a, new Uint8Array([i & 0xff]), { signal });
  });
  const sent = (await Promise.allSettled(sends)).filter((r) => r.status === "fulfilled").length;
  let right = 0;
  for (const [i, [, b]] of pairs.entries()) {
    try {
      const got = await sock_recv(b, 10, { signal });
      if (got.length === 1 && got[0] === (i & 0xff)) right++;
    } catch { /* counted as wrong */ }
  }
  console.log(JSON.stringify({ backend: byteBackend(), sent, right }));
  process.exit(0);
}
const [a, b] = socket.socketpair();
a.setblocking(false);
b.setblocking(false);

await sock_sendall(a, new Uint8Array([1, 2, 3]));
const got = await sock_recv(b, 10);
if (got.length !== 3) throw new Error(`received ${got.length} bytes`);

if (mode === "backend") {
  console.log(JSON.stringify({ backend: byteBackend(), unavailable: uringUnavailable }));
} else if (mode === "exit") {
  void sock_recv(b, 10).catch(() => {});
  while (!getReactor().waiting) await new Promise((r) => setTimeout(r, 1));
  console.log(JSON.stringify({ backend: byteBackend(), inRing: uringEngine()?.inRing ?? 0 }));
  process.exit(0);
} else if (mode === "leaks") {
  const after = uringResources();
  console.log(JSON.stringify({
    backend: byteBackend(),
    unavailable: uringUnavailable,
    maps: after.maps - before.maps,
    fds: after.fds - before.fds,
  }));
} else if (mode === "idle") {
  console.log(JSON.stringify({ backend: byteBackend() }));
  a.close();
  b.close();
}
