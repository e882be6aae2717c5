/**
 * A unix datagram server and a client that connect()s to it: the syslog / sd_notify
 * pattern (the client never binds; it just connects and sends). Both ends run in this
 * process: datagrams wait in the server's queue until it reads them.
 *
 * Run: deno run -A examples/unix_datagram.ts [COUNT]   (default 3 messages)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as socket from "../mod.ts";

const count = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "unix-dgram-"));
const path = join(dir, "log.sock");
try {
  using server = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  server.bind(path);
  server.settimeout(5);
  console.log(`server bound to ${path}`);

  using client = new socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  client.connect(path); // like openlog() / sd_notify(): connect, then send()
  for (let i = 1; i <= count; i++) {
    client.send(new TextEncoder().encode(`<14>demo[${process.pid}]: message ${i}`));
  }

  for (let i = 0; i < count; i++) {
    const [data, from] = server.recvfrom(1024);
    console.log(`received ${JSON.stringify(new TextDecoder().decode(data))} from ${from}`);
  }
} finally {
  rmSync(dir, { recursive: true });
}
