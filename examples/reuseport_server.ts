/**
 * SO_REUSEPORT: several worker processes listen on the same TCP port
 * (create_server(..., { reuse_port: true })) and the kernel spreads the incoming
 * connections over them. The parent starts the workers (this same script with
 * "worker"), connects a number of times, and prints which worker answered each.
 *
 * Run: deno run -A examples/reuseport_server.ts [WORKERS] [CONNECTIONS]   (defaults: 3, 12)
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";

if (process.argv[2] === "worker") {
  const port = Number(process.argv[3]);
  using srv = socket.create_server(["127.0.0.1", port], { reuse_port: true });
  console.log("ready");
  srv.settimeout(30); // the parent stops us; this is a safety net
  for (;;) {
    const [conn] = srv.accept();
    conn.sendall(new TextEncoder().encode(`worker ${process.pid}`));
    conn.close();
  }
} else {
  const workers = Number(process.argv[2] ?? 3);
  const connections = Number(process.argv[3] ?? 12);
  // Hold the port with a bound, non-listening SO_REUSEPORT socket: no connection
  // goes to it, and no other program takes the port meanwhile.
  using holder = new socket.socket();
  holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT!, 1);
  holder.bind(["127.0.0.1", 0]);
  const port = (holder.getsockname() as [string, number])[1];

  const self = fileURLToPath(import.meta.url);
  const pre = /deno[^/]*$/.test(process.execPath) ? ["run", "-A", self] : [self];
  const children = [];
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, [...pre, "worker", String(port)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`worker exited ${code}`)));
    });
    children.push({ child, ready });
  }
  await Promise.all(children.map((c) => c.ready));
  console.log(`${workers} workers listening on 127.0.0.1 port ${port}`);

  const served = new Map<string, number>();
  for (let i = 1; i <= connections; i++) {
    using c = socket.create_connection(["127.0.0.1", port], 5);
    const who = new TextDecoder().decode(c.recv(100));
    served.set(who, (served.get(who) ?? 0) + 1);
    console.log(`connection ${i}: ${who}`);
  }
  for (const { child } of children) child.kill("SIGTERM");
  const counts = [...served.entries()].map(([w, n]) => `${w}: ${n}`).join(", ");
  console.log(
    `${connections} connections served by ${served.size} of ${workers} workers (${counts})`,
  );
}
