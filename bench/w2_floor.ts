/**
 * W2's floor for any reactor: the async W2 structure (two coroutines in one process,
 * `await sendall` + `await recvExact` against an echo loop, 64-byte messages) with every
 * system call made synchronously exactly where a reactor would make it, and the results
 * handed over through Promises directly: no reactor, no readiness, no retries. A reactor
 * that issues the same system calls cannot beat this; bench/NOTES.md 4. compares it with
 * ours and with Deno's net.
 *
 * ```sh
 * deno run -A bench/w2_floor.ts tcp 200000     # TCP loopback, as W2
 * deno run -A bench/w2_floor.ts unix 200000    # a socketpair
 * ```
 *
 * @module
 */
import * as socket from "../mod.ts";

const kind = Deno.args[0] ?? "tcp";
const n = Number(Deno.args[1] ?? 200000);
const MSG = 64;

let a: socket.socket;
let b: socket.socket;
let lst: socket.socket | null = null;
if (kind === "unix") [a, b] = socket.socketpair();
else {
  lst = socket.create_server(["127.0.0.1", 0]);
  a = socket.create_connection(lst.getsockname() as [string, number]);
  [b] = lst.accept();
  for (const s of [a, b]) s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
}
const msg = new Uint8Array(MSG).fill(7);
const buf = new Uint8Array(MSG);
const sbuf = new Uint8Array(MSG);

// The receive side of each end: a pending Promise, settled by the other end's send.
interface End {
  sock: socket.socket;
  buf: Uint8Array;
  waiting: ((n: number) => void) | null;
}
const client: End = { sock: a, buf, waiting: null };
const server: End = { sock: b, buf: sbuf, waiting: null };
const recvOn = (end: End): Promise<number> =>
  new Promise<number>((resolve) => end.waiting = resolve);
/** A send, then the receive it makes possible at the other end (a reactor's direct retry). */
function sendTo(from: End, data: Uint8Array, to: End): Promise<void> {
  from.sock.send(data);
  const waiting = to.waiting!;
  to.waiting = null;
  waiting(to.sock.recv_into(to.buf));
  return Promise.resolve();
}
async function recvExact(recv: () => Promise<number>): Promise<number> {
  let got = 0;
  while (got < MSG) got += await recv();
  return got;
}

const echo = (async () => {
  for (let i = 0; i < n; i++) {
    await recvExact(() => recvOn(server));
    await sendTo(server, sbuf, client);
  }
})();
await Promise.resolve();
const t0 = performance.now();
let total = 0;
for (let i = 0; i < n; i++) {
  msg[0] = i & 255;
  await sendTo(client, msg, server);
  total += await recvExact(() => recvOn(client)) + buf[0];
}
const seconds = (performance.now() - t0) / 1000;
await echo;
console.log(JSON.stringify({ kind, seconds, count: n, checksum: total }));
for (const s of [a, b, lst]) s?.close();
