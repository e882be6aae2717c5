/**
 * The Worker script of tests/workers_test.ts and tests/helpers/workers_main.ts: a Worker
 * (a Deno or Bun Worker, or a Node `worker_threads` Worker) that imports the module and
 * asyncio, and obeys its parent's commands, answering each with one message:
 *
 * - `{ cmd: "serve", conns, fd? }`: an async echo server on a new listening socket on
 *   127.0.0.1, or on descriptor `fd` adopted with `socket(null, null, null, fd)` (Python's
 *   `socket.socket(fileno=fd)`); answers `{ ready, port, family, type }`, then, once `conns`
 *   connections have ended and the server is closed, `{ served, bytes }`.
 * - `{ cmd: "echo", fd }`: adopts connected socket `fd` and echoes it until EOF, then closes
 *   it; answers `{ echoed }`.
 * - `{ cmd: "talk", port, conns, rounds }`: `conns` concurrent connections to `port`, each
 *   `rounds` 64-byte round trips, every echo checked; answers `{ talked }` (round trips).
 * - `{ cmd: "pending" }`: leaves a `sock_recv` and a `sock_accept` pending; answers
 *   `{ pending }` once the reactor's wait is in flight.
 * - `{ cmd: "end" }`: answers `{ ended }` and closes the Worker (`self.close()`; Node:
 *   `parentPort.close()`).
 *
 * A failure answers `{ error }`.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import * as socket from "../../mod.ts";
import * as asyncio from "../../asyncio.ts";
import { getReactor } from "../../reactor/mod.ts";

/** A command from the parent. */
export type Command =
  | { cmd: "serve"; conns: number; fd?: number }
  | { cmd: "echo"; fd: number }
  | { cmd: "talk"; port: number; conns: number; rounds: number }
  | { cmd: "pending" }
  | { cmd: "end" };

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
/** Deno's Workers have no parentPort (Node's and Bun's do): then the Worker's own scope. */
const post = (message: unknown): void => {
  if (parentPort) parentPort.postMessage(message);
  else scope.postMessage(message);
};

async function echo(conn: socket.socket): Promise<number> {
  let bytes = 0;
  try {
    conn.setblocking(false);
    for (let data; (data = await asyncio.sock_recv(conn, 4096)).length;) {
      await asyncio.sock_sendall(conn, data);
      bytes += data.length;
    }
  } finally {
    conn.close();
  }
  return bytes;
}

async function serve(conns: number, fd?: number): Promise<void> {
  const srv = fd === undefined
    ? socket.create_server(["127.0.0.1", 0])
    : new socket.socket(null, null, null, fd);
  srv.setblocking(false);
  const [, port] = srv.getsockname() as [string, number];
  post({ ready: true, port, family: srv.family, type: srv.type });
  const clients: Promise<number>[] = [];
  try {
    for (let i = 0; i < conns; i++) {
      const [conn] = await asyncio.sock_accept(srv);
      clients.push(echo(conn));
    }
  } finally {
    srv.close();
  }
  const bytes = (await Promise.all(clients)).reduce((a, b) => a + b, 0);
  post({ served: conns, bytes });
}

async function talk(port: number, conns: number, rounds: number): Promise<void> {
  const one = async (id: number): Promise<number> => {
    const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    try {
      s.setblocking(false);
      await asyncio.sock_connect(s, ["127.0.0.1", port]);
      const out = new Uint8Array(64);
      const back = new Uint8Array(64);
      for (let r = 0; r < rounds; r++) {
        out.fill((id * 31 + r) & 0xff);
        await asyncio.sock_sendall(s, out);
        for (let got = 0; got < 64;) {
          const n = await asyncio.sock_recv_into(s, back.subarray(got));
          if (n === 0) throw new Error(`connection ${id}: EOF after ${r} round trips`);
          got += n;
        }
        if (back.some((b, i) => b !== out[i])) throw new Error(`connection ${id}: bad echo`);
      }
      return rounds;
    } finally {
      s.close();
    }
  };
  const done = await Promise.all(Array.from({ length: conns }, (_, i) => one(i)));
  post({ talked: done.reduce((a, b) => a + b, 0) });
}

async function pending(): Promise<void> {
  const [, b] = socket.socketpair();
  b.setblocking(false);
  asyncio.sock_recv(b, 10).catch(() => {});
  const srv = socket.create_server(["127.0.0.1", 0]);
  srv.setblocking(false);
  asyncio.sock_accept(srv).catch(() => {});
  while (!getReactor().waiting) await new Promise((resolve) => setTimeout(resolve, 1));
  post({ pending: true });
}

async function run(command: Command): Promise<void> {
  try {
    switch (command.cmd) {
      case "serve":
        return await serve(command.conns, command.fd);
      case "echo":
        await echo(new socket.socket(null, null, null, command.fd));
        return post({ echoed: true });
      case "talk":
        return await talk(command.port, command.conns, command.rounds);
      case "pending":
        return await pending();
      case "end":
        post({ ended: true });
        if (parentPort) parentPort.close();
        else scope.close();
    }
  } catch (e) {
    post({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}

if (parentPort) parentPort.on("message", (m: Command) => void run(m));
else scope.onmessage = (event: MessageEvent<Command>) => void run(event.data);
