/**
 * An echo server on the async API: one task per connection, all on one reactor.
 *
 * `deno run -A examples/async_echo_server.ts [port]` serves until interrupted (port 0:
 * any free port; the first line printed names it);
 * `--self-test` starts it on a free loopback port, runs 200 concurrent clients
 * against it, checks every echo and exits.
 *
 * @module
 */
import process from "node:process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { sock_accept, sock_connect, sock_recv_into, sock_sendall } from "../asyncio.ts";

/**
 * Echoes one connection until the peer closes. Never rejects: one client's failure
 * ends its own connection, not the server.
 */
async function handle(conn: socket.socket): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await sock_recv_into(conn, buf);
      if (n === 0) break;
      await sock_sendall(conn, buf.subarray(0, n));
    }
  } catch (e) {
    // A peer that resets (ECONNRESET) or stops reading (EPIPE) is routine; log the rest.
    if (!(e instanceof socket.ConnectionError)) console.error("connection failed:", e);
  } finally {
    conn.close();
  }
}

/** accept() errors that mean the listening socket itself is unusable. */
const FATAL = new Set(["EBADF", "EINVAL", "ENOTSOCK", "EFAULT"]);

/**
 * Accepts connections until `signal` aborts. An accept that fails for one connection
 * (ECONNABORTED: reset while queued; Linux's pending network errors) or for lack of
 * resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) does not stop the server: it goes on,
 * after a pause when out of resources so that closing connections can free some.
 */
export async function serve(srv: socket.socket, signal?: AbortSignal): Promise<void> {
  srv.setblocking(false);
  for (;;) {
    let conn: socket.socket;
    try {
      [conn] = await sock_accept(srv, { signal });
    } catch (e) {
      if (signal?.aborted) return;
      if (!(e instanceof socket.OSError) || FATAL.has(e.code ?? "")) throw e;
      if (!(e instanceof socket.ConnectionError)) {
        console.error("accept failed:", e.message);
        await new Promise((r) => setTimeout(r, 100));
      }
      continue;
    }
    void handle(conn);
  }
}

async function selfTest(): Promise<void> {
  const srv = socket.create_server(["127.0.0.1", 0], { backlog: 512 });
  const stop = new AbortController();
  const serving = serve(srv, stop.signal);
  const addr = srv.getsockname();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const client = async (id: number) => {
    const s = new socket.socket();
    s.setblocking(false);
    await sock_connect(s, addr);
    const buf = new Uint8Array(128);
    for (let i = 0; i < 20; i++) {
      const msg = enc.encode(`client ${id} message ${i}\n`);
      await sock_sendall(s, msg);
      let n = 0;
      while (n < msg.length) n += await sock_recv_into(s, buf.subarray(n, msg.length));
      if (dec.decode(buf.subarray(0, n)) !== dec.decode(msg)) throw new Error(`bad echo for ${id}`);
    }
    s.close();
  };
  await Promise.all(Array.from({ length: 200 }, (_, i) => client(i)));
  stop.abort();
  await serving;
  srv.close();
  console.log("self-test ok: 200 clients x 20 echoes");
}

/** Whether this file is the program being run (Node before 24 has no `import.meta.main`). */
const isMain = import.meta.main ??
  (process.argv[1] !== undefined &&
    realpathSync(process.argv[1]) === fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

if (isMain) {
  if (args.includes("--self-test")) {
    await selfTest();
  } else {
    const port = Number(args[0] ?? 8007);
    const srv = socket.create_server(["127.0.0.1", port]);
    console.log(`echo server on 127.0.0.1:${(srv.getsockname() as [string, number])[1]}`);
    await serve(srv);
  }
}
