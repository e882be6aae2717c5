/**
 * The module in Workers (Deno and Bun Workers, Node's worker_threads): Workers that import
 * mod.ts and asyncio.ts serve and talk over loopback and close cleanly; a descriptor handed
 * to a Worker as a number is adopted with `socket(null, null, null, fd)` (Python's
 * `socket.socket(fileno=fd)`); a program exits when its Workers end, and when it terminates
 * Workers whose reactor waits (the wait is bounded in a Worker: reactor/poller.ts's
 * WAIT_LIMIT_MS). The Worker script is helpers/workers_child.ts.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import process from "node:process";
import * as socket from "../mod.ts";
import * as asyncio from "../asyncio.ts";
import { ask, startWorker } from "./helpers/workers.ts";
import { fdTarget, openFds, runChild } from "./helpers/reliability_util.ts";
import { scaled } from "./helpers/timing.ts";

/** The sockets open in this process (Linux: /proc/self/fd; elsewhere none are seen). */
function socketCount(): number {
  if (process.platform !== "linux") return 0;
  return openFds().filter((fd) => fdTarget(fd)?.startsWith("socket:")).length;
}

/**
 * Resolves once the sockets open here are back to `count` (a Deno Worker's runtime closes
 * its own internal socket after the Worker ends); rejects after a generous limit.
 */
async function socketsBackTo(count: number): Promise<void> {
  const deadline = performance.now() + scaled(30_000);
  while (socketCount() > count) {
    if (performance.now() > deadline) {
      const open = openFds().map((fd) => `${fd}: ${fdTarget(fd)}`).join(", ");
      throw new Error(`${socketCount()} sockets open, ${count} before the Workers: ${open}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `conns` concurrent connections to `port` from this thread, `rounds` round trips each. */
async function talk(port: number, conns: number, rounds: number): Promise<number> {
  const one = async (): Promise<number> => {
    using s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    s.setblocking(false);
    await asyncio.sock_connect(s, ["127.0.0.1", port]);
    const out = new Uint8Array(64).fill(7);
    for (let r = 0; r < rounds; r++) {
      await asyncio.sock_sendall(s, out);
      let got = 0;
      while (got < 64) {
        const data = await asyncio.sock_recv(s, 64 - got);
        assert.ok(data.length > 0, "EOF before the echo");
        assert.ok(data.every((b) => b === 7));
        got += data.length;
      }
    }
    return rounds;
  };
  const done = await Promise.all(Array.from({ length: conns }, one));
  return done.reduce((a, b) => a + b, 0);
}

test("Workers serve and talk over loopback, and close every socket", async () => {
  const before = socketCount();
  const serverA = startWorker();
  const serverB = startWorker();
  const client = startWorker();
  try {
    const a = await ask(serverA, { cmd: "serve", conns: 3 });
    const b = await ask(serverB, { cmd: "serve", conns: 3 });
    assert.equal(a.family, socket.AF_INET);
    assert.notEqual(a.port, b.port);
    // a Worker talks to a Worker, this thread to the other, at the same time
    const [fromWorker, fromHere] = await Promise.all([
      ask(client, { cmd: "talk", port: a.port, conns: 3, rounds: 20 }),
      talk(b.port, 3, 20),
    ]);
    assert.equal(fromWorker.talked, 60);
    assert.equal(fromHere, 60);
    assert.deepEqual(await serverA.next(), { served: 3, bytes: 60 * 64 });
    assert.deepEqual(await serverB.next(), { served: 3, bytes: 60 * 64 });
    for (const w of [serverA, serverB, client]) {
      assert.deepEqual(await ask(w, { cmd: "end" }), { ended: true });
    }
  } finally {
    for (const w of [serverA, serverB, client]) await w.terminate();
  }
  await socketsBackTo(before);
});

test("a descriptor passed to a Worker as a number is adopted with socket(null, null, null, fd)", async () => {
  const worker = startWorker();
  try {
    // a listening socket: the Worker reads its family and type from the descriptor
    const srv = socket.create_server(["127.0.0.1", 0]);
    const [, port] = srv.getsockname() as [string, number];
    const ready = await ask(worker, { cmd: "serve", conns: 1, fd: srv.detach() });
    assert.equal(ready.port, port);
    assert.equal(ready.family, socket.AF_INET);
    assert.equal(ready.type, socket.SOCK_STREAM);
    {
      using c = socket.create_connection(["127.0.0.1", port], 30);
      c.sendall(new TextEncoder().encode("adopted listener"));
      assert.equal(new TextDecoder().decode(c.recv(100)), "adopted listener");
    }
    assert.deepEqual(await worker.next(), { served: 1, bytes: 16 });

    // one end of a connected pair
    const [mine, theirs] = socket.socketpair();
    try {
      const echoed = ask(worker, { cmd: "echo", fd: theirs.detach() });
      mine.settimeout(30);
      mine.sendall(new TextEncoder().encode("adopted connection"));
      assert.equal(new TextDecoder().decode(mine.recv(100)), "adopted connection");
      mine.shutdown(socket.SHUT_WR);
      assert.deepEqual(await echoed, { echoed: true });
      assert.equal(mine.recv(10).length, 0, "the Worker closed its end");
    } finally {
      mine.close();
    }
    assert.deepEqual(await ask(worker, { cmd: "end" }), { ended: true });
  } finally {
    await worker.terminate();
  }
});

test("a program exits once its Workers have ended", () => {
  const r = runChild("workers_main", { args: ["finish"] });
  assert.equal(r.status, 0, `status ${r.status}, signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^talked 20, served 2$/m);
});

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
/** The runtime's other kind of Worker (helpers/workers.ts): Deno's and Bun's, not Node's. */
const otherKind = scope.Deno ? "node:worker_threads" : scope.Bun ? "web" : undefined;
for (const style of ["", "other"]) {
  const kind = style ? ` (${otherKind ?? "another kind of"} Workers)` : "";
  test(
    `Workers terminated with socket operations pending${kind}: terminate() returns, no helper thread stays`,
    { skip: style && !otherKind ? "Node has one kind of Worker, tested above" : false },
    () => {
      // Before the wait was bounded in Workers, Node's terminate() never returned (it joins
      // the Worker's helper thread, asleep in epoll_wait) and Deno kept one thread per Worker.
      const r = runChild("workers_main", { args: ["terminate", "4", ...(style ? [style] : [])] });
      assert.equal(r.status, 0, `status ${r.status}, signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^terminated 4$/m);
      const left = r.stdout.match(/^new threads still in epoll_wait: (\d+)$/m);
      if (process.platform === "linux") assert.equal(left?.[1], "0", r.stdout);
    },
  );
}
