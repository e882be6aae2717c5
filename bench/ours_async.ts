/**
 * Our async API (asyncio.ts: `sock_recv_into`, `sock_sendall`, `sock_sendto`,
 * `sock_recvfrom_into`, `sock_accept`, `sock_connect` on non-blocking sockets) on the
 * benchmark workloads W2-W5 and W7, same checksums as bench/c/bench.c. Runs under Deno as
 * is (`deno run -A bench/ours_async.ts w2 200000`); bench/run.ts transpiles it against
 * npm/esm for Node and Bun, as it does bench/ours_sync.ts.
 *
 * W7: 1,000 concurrent echo connections in one process, each doing `n / 1000` 64-byte
 * round trips; the result line adds `rss` (VmHWM, bytes, of this process at the end).
 *
 * @module
 */
import * as socket from "../mod.ts";
import {
  sock_accept,
  sock_connect,
  sock_recv_into,
  sock_recvfrom_into,
  sock_sendall,
  sock_sendto,
} from "../asyncio.ts";

const MSG = 64;
const CHUNK = 65536;
/** W7: concurrent connections. */
const CONNS = 1000;
/** W7: connections not yet accepted, at most (under every listen backlog: Deno's is 128). */
const CONNECTING = 64;

/**
 * W7's connect gate: a client may start connecting while fewer than {@link CONNECTING}
 * connections wait to be accepted, so that no implementation overflows its listen queue
 * (a dropped SYN costs a 1 s retransmission, which would time the kernel, not the API).
 */
function connectGate(): { enter(): Promise<void>; accepted(): void } {
  let open = CONNECTING;
  const queue: (() => void)[] = [];
  return {
    enter: () => open > 0 ? (open--, Promise.resolve()) : new Promise((r) => queue.push(r)),
    accepted: () => {
      const next = queue.shift();
      if (next) next();
      else open++;
    },
  };
}

/**
 * W7's start line: the ping-pong begins once all {@link CONNS} clients are connected, so
 * that every implementation serves 1,000 connections at the same time (without it, Deno's
 * net finished early connections before the last ones connected: at most 261 were active).
 */
export function barrier(count: number): { arrive(): Promise<void> } {
  let waiting = count;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return {
    arrive: () => {
      if (--waiting === 0) open();
      return opened;
    },
  };
}

type Proc = { argv: string[]; resourceUsage(): { maxRSS: number } };
const proc = (globalThis as unknown as { process?: Proc }).process;
const args: string[] = typeof Deno !== "undefined" ? Deno.args : proc!.argv.slice(2);

/** Peak resident set size of this process (VmHWM), in bytes; 0 where unavailable. */
export function peakRss(): number {
  try {
    if (typeof Deno === "undefined") return proc!.resourceUsage().maxRSS * 1024; // ru_maxrss
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function report(seconds: number, count: number, checksum: number, rss?: number): void {
  console.log(JSON.stringify(
    rss === undefined ? { seconds, count, checksum } : {
      seconds,
      count,
      checksum,
      rss,
    },
  ));
}

/** Reads until `buf` is full or EOF; returns the byte count. */
async function recvExact(s: socket.socket, buf: Uint8Array): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const r = await sock_recv_into(s, got === 0 ? buf : buf.subarray(got));
    if (r === 0) break;
    got += r;
  }
  return got;
}

function nonblocking(s: socket.socket, tcp = true): socket.socket {
  if (tcp) s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  s.setblocking(false);
  return s;
}

function listener(backlog = 16): socket.socket {
  const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  s.bind(["127.0.0.1", 0]);
  s.listen(backlog);
  s.setblocking(false);
  return s;
}

async function connectTo(port: number): Promise<socket.socket> {
  const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  s.setblocking(false);
  await sock_connect(s, ["127.0.0.1", port]);
  return nonblocking(s);
}

async function accept(lst: socket.socket): Promise<socket.socket> {
  const [c] = await sock_accept(lst);
  return nonblocking(c);
}

/** Echoes 64-byte messages until EOF. */
async function echo(c: socket.socket): Promise<void> {
  const buf = new Uint8Array(MSG);
  while (await recvExact(c, buf) === MSG) await sock_sendall(c, buf);
}

/** Client side of the ping-pong: `n` round trips, the checksum. */
async function pingpong(cli: socket.socket, n: number): Promise<number> {
  const msg = new Uint8Array(MSG).fill(7);
  const buf = new Uint8Array(MSG);
  let total = 0;
  for (let i = 0; i < n; i++) {
    msg[0] = i & 255;
    await sock_sendall(cli, msg);
    const got = await recvExact(cli, buf);
    total += got + buf[0];
  }
  return total;
}

async function main(): Promise<void> {
  const w = args[0];
  if (w === "w2") {
    const n = Number(args[1]);
    const lst = listener();
    const [cli, srv] = await Promise.all([
      connectTo((lst.getsockname() as [string, number])[1]),
      accept(lst),
    ]);
    const t0 = performance.now();
    const served = echo(srv);
    const total = await pingpong(cli, n);
    const t = (performance.now() - t0) / 1000;
    cli.shutdown(socket.SHUT_WR);
    await served;
    report(t, n, total);
    for (const s of [cli, srv, lst]) s.close();
  } else if (w === "w3-server" || w === "w4-server") {
    const lst = listener();
    console.log(JSON.stringify({ port: (lst.getsockname() as [string, number])[1] }));
    const c = await accept(lst);
    if (w === "w3-server") await echo(c);
    else {
      const buf = new Uint8Array(CHUNK);
      let total = 0;
      let bad = 0;
      for (;;) {
        const r = await sock_recv_into(c, buf);
        if (r === 0) break;
        if (buf[0] !== (total & 255)) bad++;
        total += r;
      }
      const ack = new Float64Array([total, bad]);
      await sock_sendall(c, new Uint8Array(ack.buffer));
    }
    c.close();
    lst.close();
  } else if (w === "w3-client") {
    const cli = await connectTo(Number(args[1]));
    const n = Number(args[2]);
    const t0 = performance.now();
    const total = await pingpong(cli, n);
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, n, total);
  } else if (w === "w4-client") {
    const cli = await connectTo(Number(args[1]));
    const nbytes = Number(args[2]);
    const buf = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) buf[i] = i & 255;
    const t0 = performance.now();
    let sent = 0;
    while (sent < nbytes) {
      const want = Math.min(CHUNK, nbytes - sent);
      await sock_sendall(cli, want === CHUNK ? buf : buf.subarray(0, want));
      sent += want;
    }
    cli.shutdown(socket.SHUT_WR);
    const ack = new Float64Array(2);
    if (await recvExact(cli, new Uint8Array(ack.buffer)) !== 16) throw new Error("short ack");
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, nbytes, ack[1] === 0 ? ack[0] : -1);
  } else if (w === "w5") {
    const n = Number(args[1]);
    const a = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    const b = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    a.bind(["127.0.0.1", 0]);
    b.bind(["127.0.0.1", 0]);
    a.setblocking(false);
    b.setblocking(false);
    const aaddr = a.getsockname();
    const bport = (b.getsockname() as [string, number])[1];
    const msg = new Uint8Array(MSG).fill(7);
    const buf = new Uint8Array(MSG);
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      msg[0] = i & 255;
      await sock_sendto(b, msg, aaddr);
      const [r, from] = await sock_recvfrom_into(a, buf);
      total += ((from as [string, number])[1] === bport ? r : -1000000) + buf[0];
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w7") {
    const per = Math.max(1, Math.round(Number(args[1]) / CONNS));
    const lst = listener(CONNS + 24);
    const port = (lst.getsockname() as [string, number])[1];
    const t0 = performance.now();
    const gate = connectGate();
    const allConnected = barrier(CONNS);
    const servers: Promise<void>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < CONNS; i++) {
        const c = await accept(lst);
        gate.accepted();
        servers.push(echo(c).then(() => c.close()));
      }
    })();
    const clients: Promise<number>[] = [];
    for (let i = 0; i < CONNS; i++) {
      clients.push(
        gate.enter().then(() => connectTo(port)).then(async (cli) => {
          await allConnected.arrive();
          const sum = await pingpong(cli, per);
          cli.close();
          return sum;
        }),
      );
    }
    const sums = await Promise.all(clients);
    await accepting;
    await Promise.all(servers);
    const t = (performance.now() - t0) / 1000;
    lst.close();
    report(t, CONNS * per, sums.reduce((a, b) => a + b, 0), peakRss());
  } else {
    throw new Error(`unsupported workload ${w}`);
  }
}

await main();
