/**
 * W10: one TCP port served from W Workers of one Deno process with SO_REUSEPORT, each
 * Worker an async echo server on its own listening socket bound to that port; the client
 * is another process (bench/c/w10_client.c: 64 concurrent connections of 64-byte
 * ping-pong from one thread, so that it takes as little CPU from the servers as it can).
 * Throughput with 1 Worker against 2 is the scaling; `ours` (this module's asyncio) beside
 * `deno` (Deno.listen with reusePort, the same shape).
 *
 * ```sh
 * deno run -A --unstable-net bench/w10.ts ours 2 w10 200000   # IMPL WORKERS w10 ROUND_TRIPS
 * ```
 *
 * Prints the client's `{seconds, count, checksum}` line (bench/run.ts reads it) with `cpu`,
 * the CPU seconds the server process (all its Workers) used meanwhile, and, on stderr, how
 * many connections each Worker served.
 *
 * @module
 */
import * as socket from "../mod.ts";
import { sock_accept, sock_recv_into, sock_sendall } from "../asyncio.ts";
import { getReactor } from "../reactor/mod.ts";

/** Concurrent client connections. */
export const W10_CONNS = 64;
const MSG = 64;

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
const name: string = typeof scope.name === "string" ? scope.name : "";

/** One Worker: listens on `port` with SO_REUSEPORT, echoes every connection until EOF. */
async function serveOurs(port: number): Promise<void> {
  const lst = socket.create_server(["127.0.0.1", port], { reuse_port: true, backlog: 128 });
  lst.setblocking(false);
  scope.postMessage({ listening: true });
  let served = 0;
  const echo = async (c: socket.socket) => {
    c.setblocking(false);
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
    const buf = new Uint8Array(MSG);
    for (let r; (r = await sock_recv_into(c, buf)) > 0;) {
      await sock_sendall(c, r === MSG ? buf : buf.subarray(0, r));
    }
    c.close();
  };
  scope.onmessage = () => scope.postMessage({ served, stats: getReactor().stats });
  for (;;) {
    const [c] = await sock_accept(lst);
    served++;
    echo(c).catch((e) => console.error(`${name}:`, e));
  }
}

/** The same with Deno's net: Deno.listen({ reusePort: true }). */
async function serveDeno(port: number): Promise<void> {
  const lst = Deno.listen(
    { hostname: "127.0.0.1", port, reusePort: true } as Deno.TcpListenOptions,
  );
  scope.postMessage({ listening: true });
  let served = 0;
  const echo = async (c: Deno.Conn) => {
    (c as Deno.TcpConn).setNoDelay(true);
    const buf = new Uint8Array(MSG);
    for (let r; (r = await c.read(buf)) !== null;) {
      for (let off = 0; off < r;) off += await c.write(buf.subarray(off, r));
    }
    c.close();
  };
  scope.onmessage = () => scope.postMessage({ served });
  for await (const c of lst) {
    served++;
    echo(c).catch((e) => console.error(`${name}:`, e));
  }
}

/**
 * The CPU time (user + system, seconds) this process has used so far, all its threads
 * (the Workers') counted and its children (the client) not: /proc/self/stat's utime and
 * stime, in clock ticks of 1/100 s (Linux's USER_HZ).
 */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

if (name.startsWith("w10-")) {
  const [, impl, port] = name.split("-");
  (impl === "ours" ? serveOurs : serveDeno)(Number(port)).catch((e) => {
    console.error(`${name}:`, e);
    Deno.exit(1);
  });
} else {
  const [impl, workers, w, count] = Deno.args;
  if (!["ours", "deno"].includes(impl) || w !== "w10") {
    throw new Error("usage: w10.ts ours|deno WORKERS w10 ROUND_TRIPS");
  }
  // The port, held by a bound, non-listening SO_REUSEPORT socket: connections go only to
  // the Workers' listening sockets.
  const holder = new socket.socket();
  holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT!, 1);
  holder.bind(["127.0.0.1", 0]);
  const port = (holder.getsockname() as [string, number])[1];
  const pool: Worker[] = [];
  const listening: Promise<unknown>[] = [];
  for (let i = 0; i < Number(workers); i++) {
    const worker = new Worker(import.meta.url, {
      type: "module",
      name: `w10-${impl}-${port}-${i}`,
    });
    listening.push(new Promise((resolve) => worker.onmessage = resolve));
    pool.push(worker);
  }
  await Promise.all(listening);
  const client = new URL("./build/w10_client", import.meta.url).pathname;
  const cpu0 = cpuSeconds();
  const out = await new Deno.Command(client, {
    args: [String(port), String(W10_CONNS), count],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) Deno.exit(1);
  const cpu = cpuSeconds() - cpu0;
  const spread = await Promise.all(
    pool.map((worker) =>
      new Promise<{ served: number; stats?: unknown }>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage("count");
      })
    ),
  );
  // how the connections spread, and (ours) each Worker's reactor counters
  console.error(`w10 ${impl} x${workers}: ${spread.map((s) => JSON.stringify(s)).join(" ")}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  console.log(JSON.stringify({ ...result, cpu }));
  Deno.exit(0);
}
