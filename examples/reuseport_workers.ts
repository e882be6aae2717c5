/**
 * One port served from N Workers of one Deno process, with SO_REUSEPORT: each Worker opens
 * its own listening socket on the same port (create_server(..., { reuse_port: true })) and
 * runs an async echo server on it; the kernel spreads the incoming connections over the
 * Workers, and each Worker's event loop runs on a core of its own.
 *
 * The main thread picks the port, starts the Workers (this same file, told apart by the
 * Worker's name), connects a number of times (0: serve until Ctrl-C), prints which Worker
 * answered each connection, then stops the Workers: each closes its listening socket, which
 * ends its pending sock_accept, and then closes itself.
 *
 * Run: deno run -A examples/reuseport_workers.ts [WORKERS] [CONNECTIONS]
 *      (defaults: navigator.hardwareConcurrency, 12)
 *
 * SO_REUSEPORT is Linux's and macOS's (Linux balances the connections across the sockets;
 * macOS lets them share the port without balancing, as FreeBSD's SO_REUSEPORT without _LB);
 * Windows has none: there the example says so and exits with status 2.
 */
import * as socket from "../mod.ts";
import * as asyncio from "../asyncio.ts";

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
const workerName: string = typeof scope.name === "string" ? scope.name : "";

if (workerName.startsWith("echo-")) {
  // ---- a Worker: its own listening socket on the shared port, an async echo server
  let srv: socket.socket | undefined;
  scope.onmessage = async (event: MessageEvent<{ port?: number; stop?: true }>) => {
    if (event.data.stop) {
      srv?.close(); // the pending sock_accept fails with EBADF: the loop below ends
      return;
    }
    srv = socket.create_server(["127.0.0.1", event.data.port!], { reuse_port: true });
    srv.setblocking(false);
    scope.postMessage("listening");
    const hello = new TextEncoder().encode(`${workerName} says: `);
    for (;;) {
      let conn: socket.socket;
      try {
        [conn] = await asyncio.sock_accept(srv);
      } catch (e) {
        if (srv.fileno() === -1) break; // closed by "stop"
        if (e instanceof socket.ConnectionError) continue; // reset while queued
        throw e;
      }
      serveOne(conn, hello);
    }
    scope.close();
  };
} else {
  // ---- the main thread
  if (Deno.build.os === "windows" || socket.SO_REUSEPORT === undefined) {
    console.error("SO_REUSEPORT is Linux's and macOS's: Windows has no way to share a port.");
    Deno.exit(2);
  }
  const workers = Number(Deno.args[0] ?? navigator.hardwareConcurrency);
  const connections = Number(Deno.args[1] ?? 12);

  // Hold the port with a bound, non-listening SO_REUSEPORT socket: no connection goes to
  // it, and no other program can take the port meanwhile.
  using holder = new socket.socket();
  holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT!, 1);
  holder.bind(["127.0.0.1", 0]);
  const port = (holder.getsockname() as [string, number])[1];

  const started = [];
  for (let i = 1; i <= workers; i++) {
    const w = new Worker(import.meta.url, { type: "module", name: `echo-${i}` });
    started.push(
      new Promise<Worker>((resolve, reject) => {
        w.onmessage = () => resolve(w);
        w.onerror = (e) => reject(new Error(`echo-${i}: ${e.message}`));
      }),
    );
    w.postMessage({ port });
  }
  const pool = await Promise.all(started);
  console.log(`${workers} Workers listening on 127.0.0.1 port ${port}`);

  if (connections === 0) {
    console.log("serving until Ctrl-C");
  } else {
    const served = new Map<string, number>();
    for (let i = 1; i <= connections; i++) {
      const c = new socket.socket();
      c.setblocking(false);
      await asyncio.sock_connect(c, ["127.0.0.1", port]);
      await asyncio.sock_sendall(c, new TextEncoder().encode(`hello ${i}`));
      let answer = "";
      for (let data; (data = await asyncio.sock_recv(c, 1024)).length;) {
        answer += new TextDecoder().decode(data);
      }
      c.close();
      const who = answer.split(" ")[0];
      served.set(who, (served.get(who) ?? 0) + 1);
      console.log(`connection ${i}: ${answer}`);
    }
    for (const w of pool) w.postMessage({ stop: true });
    const counts = [...served].map(([w, n]) => `${w}: ${n}`).join(", ");
    console.log(
      `${connections} connections served by ${served.size} of ${workers} Workers (${counts})`,
    );
  }
}

/** Answers one client: the Worker's name, then the echo of what it sent, then closes. */
async function serveOne(conn: socket.socket, hello: Uint8Array): Promise<void> {
  try {
    conn.setblocking(false);
    const data = await asyncio.sock_recv(conn, 1024);
    await asyncio.sock_sendall(conn, hello);
    await asyncio.sock_sendall(conn, data);
  } catch (e) {
    // a client that resets is routine; anything else is worth a line
    if (!(e instanceof socket.ConnectionError)) console.error("connection failed:", e);
  } finally {
    conn.close();
  }
}
