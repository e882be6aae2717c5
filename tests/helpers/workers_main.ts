/**
 * A program that runs Workers (tests/workers_test.ts checks that it exits):
 *
 * - `finish`: two Workers, an echo server and its client, do their work and end
 *   themselves; the program then has nothing left and must exit (status 0).
 * - `terminate N`: N Workers each leave a socket operation pending (the reactor's wait in
 *   flight on its helper thread) and are terminated. `terminate()` must return (Node joins
 *   the Worker's helper thread) and, on Linux, the helper threads must end: the program
 *   waits until no more threads sleep in epoll_wait than before the Workers started, and
 *   prints how many remained if they do not within the limit.
 *
 * @module
 */
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
import { ask, startWorker } from "./workers.ts";
import { scaled } from "./timing.ts";

/** The threads of this process sleeping in epoll_wait (Linux: /proc/self/task/N/wchan). */
function epollWaiters(): number {
  let n = 0;
  for (const task of readdirSync("/proc/self/task")) {
    try {
      if (readFileSync(`/proc/self/task/${task}/wchan`, "utf8").includes("epoll")) n++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return n;
}

/** Resolves once `ready()` holds; throws after a generous limit. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + scaled(30_000);
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const [mode, count] = process.argv.slice(2);
if (mode === "finish") {
  const server = startWorker();
  const client = startWorker();
  const { port } = await ask(server, { cmd: "serve", conns: 2 });
  const talked = await ask(client, { cmd: "talk", port, conns: 2, rounds: 10 });
  const served = await server.next();
  await ask(client, { cmd: "end" });
  await ask(server, { cmd: "end" });
  console.log(`talked ${talked.talked}, served ${served.served}`);
} else if (mode === "terminate") {
  const linux = process.platform === "linux";
  const before = linux ? epollWaiters() : 0;
  const workers = Array.from({ length: Number(count) }, startWorker);
  for (const w of workers) await ask(w, { cmd: "pending" });
  // Terminate only once every helper thread sleeps in epoll_wait (the reactor counts its
  // wait as started before the helper thread, a Worker of its own on Node, runs it).
  await until(() => !linux || epollWaiters() >= before + workers.length, "threads to block");
  for (const w of workers) await w.terminate();
  console.log(`terminated ${count}`);
  if (linux) {
    let now = epollWaiters();
    const deadline = performance.now() + scaled(30_000);
    while (now > before && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      now = epollWaiters();
    }
    console.log(`threads in epoll_wait: ${before} before, ${now} after`);
  }
} else {
  throw new Error(`usage: workers_main.ts finish | terminate N (got ${mode})`);
}
