/**
 * A program that runs Workers (tests/workers_test.ts checks that it exits):
 *
 * - `finish`: two Workers, an echo server and its client, do their work and end
 *   themselves; the program then has nothing left and must exit (status 0).
 * - `terminate N [other]`: N Workers (`other`: the runtime's other kind, helpers/workers.ts) each leave a socket operation pending (the reactor's wait in
 *   flight on its helper thread) and are terminated. `terminate()` must return (Node joins
 *   the Worker's helper thread) and, on Linux, the helper threads must end: the program
 *   waits until no thread started since it began sleeps in epoll_wait, and prints how many
 *   still do (0, unless the limit passed).
 *
 * @module
 */
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
import { ask, startWorker } from "./workers.ts";
import { scaled } from "./timing.ts";

/** The ids of this process's threads (Linux: /proc/self/task). */
function threads(): string[] {
  return readdirSync("/proc/self/task");
}

/** How many threads not in `old` sleep in epoll_wait (/proc/self/task/N/wchan). */
function newEpollWaiters(old: Set<string>): number {
  let n = 0;
  for (const task of threads()) {
    if (old.has(task)) continue;
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

const [mode, count, style] = process.argv.slice(2);
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
  // Only threads started from here on are judged: the runtime's own come and go.
  const before = new Set(linux ? threads() : []);
  const workers = Array.from({ length: Number(count) }, () => startWorker(style === "other"));
  for (const w of workers) await ask(w, { cmd: "pending" });
  // Terminate once every helper thread sleeps in epoll_wait (the reactor counts its wait as
  // started before the helper thread, a Worker of its own on Node and Bun, runs it). The
  // Workers' own event loops may sleep in epoll_wait too: the count is at least N.
  await until(() => !linux || newEpollWaiters(before) >= 2 * workers.length, "threads to block");
  for (const w of workers) await w.terminate();
  console.log(`terminated ${count}`);
  if (linux) {
    let now = newEpollWaiters(before);
    const deadline = performance.now() + scaled(30_000);
    while (now > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      now = newEpollWaiters(before);
    }
    console.log(`new threads still in epoll_wait: ${now}`);
  }
} else {
  throw new Error(`usage: workers_main.ts finish | terminate N (got ${mode})`);
}
