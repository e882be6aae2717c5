/**
 * A UDP responder on the async API: answers each datagram with it upper-cased.
 *
 * `deno run -A examples/async_udp_responder.ts [port]` serves until interrupted;
 * `--self-test` starts it on a free loopback port, sends 100 datagrams from a client,
 * checks every answer and exits.
 *
 * @module
 */
import process from "node:process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { sock_recvfrom, sock_sendto } from "../asyncio.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Answers datagrams on `sock` until `signal` aborts. */
export async function respond(sock: socket.socket, signal?: AbortSignal): Promise<void> {
  sock.setblocking(false);
  for (;;) {
    let data: Uint8Array;
    let from: socket.SockAddr | null;
    try {
      [data, from] = await sock_recvfrom(sock, 65535, { signal });
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
    if (from === null) continue;
    try {
      await sock_sendto(sock, enc.encode(dec.decode(data).toUpperCase()), from);
    } catch (e) {
      // a reply that cannot go (the sender's network unreachable, a full buffer) is dropped
      if (!(e instanceof socket.OSError)) throw e;
      console.error("reply to", from, "failed:", e.message);
    }
  }
}

async function selfTest(): Promise<void> {
  const srv = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  srv.bind(["127.0.0.1", 0]);
  const stop = new AbortController();
  const serving = respond(srv, stop.signal);
  const cli = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  cli.setblocking(false);
  for (let i = 0; i < 100; i++) {
    await sock_sendto(cli, enc.encode(`datagram ${i}`), srv.getsockname());
    const [answer, from] = await sock_recvfrom(cli, 100, { signal: AbortSignal.timeout(2000) });
    if (dec.decode(answer) !== `DATAGRAM ${i}`) throw new Error(`bad answer ${dec.decode(answer)}`);
    if (JSON.stringify(from) !== JSON.stringify(srv.getsockname())) throw new Error("bad sender");
  }
  stop.abort();
  await serving;
  cli.close();
  srv.close();
  console.log("self-test ok: 100 datagrams answered");
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
    const port = Number(args[0] ?? 9999);
    const srv = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    srv.bind(["127.0.0.1", port]);
    console.log(`UDP responder on 127.0.0.1:${port}`);
    await respond(srv);
  }
}
