/**
 * The async layer's helper threads (issue 13): the reactor's blocking wait runs on a thread
 * of its own, which never holds the process's exit, never waits behind the resolver's calls
 * or the runtime's own thread-pool work, and never takes a thread they need; the resolver's
 * calls beyond what the FFI can run at once wait their turn instead of failing (and a
 * failure is only ever its own call's).
 *
 * The exit and thread-pool cases run a child script on the running runtime (Deno, Node or
 * Bun) and check its status; the blocked-resolver case runs it in private mount and
 * network namespaces with a name server that holds every query (skipped, with the reason,
 * where `unshare -mn` is not permitted).
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawnSync } from "./helpers/host.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as socket from "../mod.ts";
import { sock_recv } from "../asyncio.ts";
import { getReactor } from "../reactor/mod.ts";
import { mountNetnsUnavailable, runtime, scriptCommand } from "./helpers/reliability_util.ts";

/** The imports every child script starts with: the module, asyncio and the reactor. */
const PRELUDE = `
import process from "node:process";
import * as socket from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
import * as asyncio from ${JSON.stringify(new URL("../asyncio.ts", import.meta.url).href)};
import { getReactor } from ${JSON.stringify(new URL("../reactor/mod.ts", import.meta.url).href)};
/** Resolves once the reactor's blocking wait is in flight on its helper thread. */
async function untilWaiting() {
  while (!getReactor().waiting) await new Promise((resolve) => setTimeout(resolve, 1));
}
`;

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `body` (after the prelude) as a script on this runtime, under `wrap` if given. */
function runScript(
  body: string,
  options: { env?: Record<string, string>; timeoutMs?: number; wrap?: string[] } = {},
): Run {
  const dir = mkdtempSync(join(tmpdir(), "socket-threads-"));
  // .mjs: plain JavaScript with top-level await, which every runtime runs as a module
  const path = join(dir, "child.mjs");
  writeFileSync(path, PRELUDE + body);
  const [exe, ...args] = [...(options.wrap ?? []), ...scriptCommand(path)];
  const started = performance.now();
  const r = spawnSync(exe, args, {
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 30_000,
  });
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms };
}

function describe(r: Run): string {
  return `status ${r.status}, signal ${r.signal}, ${Math.round(r.ms)} ms\n` +
    `stdout: ${r.stdout.slice(-1000)}\nstderr: ${r.stderr.slice(-2000)}`;
}

/** A pending sock_recv whose wait is in flight (each case then ends the process its way). */
const PENDING_RECV = `
const [a, b] = socket.socketpair();
// a stays referenced: JavaScriptCore (Bun) may collect a binding the module no longer uses,
// and the finalizer then closes a (a ResourceWarning) and b reads its end.
globalThis.peer = a;
b.setblocking(false);
asyncio.sock_recv(b, 10).then(() => console.log("received?"));
await untilWaiting();
console.log("waiting");
`;

const exits: [string, string, number][] = [
  ["process.exit(3)", `${PENDING_RECV}process.exit(3);`, 3],
  ["an uncaught exception", `${PENDING_RECV}setTimeout(() => { throw new Error("boom"); });`, 1],
  ["an unhandled rejection", `${PENDING_RECV}Promise.reject(new Error("unhandled"));`, 1],
  [
    "a graceful shutdown (srv.close(); process.exit(0)) with sock_accept pending",
    `const srv = socket.create_server(["127.0.0.1", 0]);
srv.setblocking(false);
asyncio.sock_accept(srv).catch(() => {});
await untilWaiting();
console.log("waiting");
srv.close();
process.exit(0);`,
    0,
  ],
];
if (runtime === "deno") exits.push(["Deno.exit(4)", `${PENDING_RECV}Deno.exit(4);`, 4]);

for (const [name, body, status] of exits) {
  test(`a process with a socket operation pending exits at once on ${name}`, () => {
    const r = runScript(body);
    assert.equal(r.status, status, describe(r));
    assert.match(r.stdout, /^waiting$/m, describe(r));
    assert.doesNotMatch(r.stdout, /received\?/);
  });
}

test("the runtime's own thread-pool work runs while a socket operation is pending (UV_THREADPOOL_SIZE=1)", () => {
  const r = runScript(
    `import { readFile } from "node:fs/promises";
const [a, b] = socket.socketpair();
b.setblocking(false);
const got = asyncio.sock_recv(b, 10);
await untilWaiting();
const text = await readFile(new URL(import.meta.url), "utf8");
console.log(text.includes("UV_THREADPOOL") ? "read" : "read something else");
a.send(new TextEncoder().encode("hi"));
console.log(new TextDecoder().decode(await got));
a.close();
b.close();`,
    { env: { UV_THREADPOOL_SIZE: "1" } },
  );
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout, "read\nhi\n", describe(r));
});

const noNamespaces = mountNetnsUnavailable();

test("resolver calls blocked on a name server that does not answer do not stall socket I/O", {
  skip: noNamespaces ?? false,
}, () => {
  if (noNamespaces) return;
  const dir = mkdtempSync(join(tmpdir(), "socket-held-dns-"));
  try {
    // glibc's longest timeout (30 s), one try, no search domains: a held query blocks its
    // call for 30 s unless the child answers it.
    writeFileSync(
      join(dir, "resolv.conf"),
      "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n",
    );
    writeFileSync(join(dir, "hosts"), "127.0.0.1 localhost\n");
    const setup = [
      "set -e",
      "ip link set lo up",
      `mount --bind '${dir}/resolv.conf' /etc/resolv.conf`,
      `mount --bind '${dir}/hosts' /etc/hosts`,
      'exec "$@"',
    ].join("\n");
    // 40 calls: more than Node's 4 libuv threads, Bun's 8 pool Workers, Deno's 32 blocking threads.
    const r = runScript(
      `const dns = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
dns.bind(["127.0.0.1", 53]);
let settled = 0;
const lookups = [];
for (let i = 0; i < 40; i++) {
  lookups.push(socket.getaddrinfo_async(\`held\${i}.test\`, 80, socket.AF_INET, socket.SOCK_STREAM).then(
    () => "resolved",
    (e) => e instanceof socket.gaierror ? "gaierror" : \`\${e?.constructor?.name}: \${e}\`,
  ).finally(() => settled++));
}
// One query has reached the server: the calls are blocked (or queued behind blocked ones).
dns.settimeout(20);
const held = [dns.recvfrom(512)];
// A ping-pong whose every receive goes through the reactor's blocking wait.
const [a, b] = socket.socketpair();
b.setblocking(false);
for (let i = 0; i < 20; i++) {
  const got = asyncio.sock_recv(b, 1);
  setTimeout(() => a.send(new Uint8Array([i])));
  if ((await got)[0] !== i) throw new Error("wrong byte");
}
console.log(\`ping-pong done with \${settled} lookups settled\`);
// Release the calls: NXDOMAIN for every query until all have failed.
dns.setblocking(false);
const done = new AbortController();
const all = Promise.all(lookups).then((outcomes) => { done.abort(); return outcomes; });
const answer = ([query, from]) => {
  const reply = new Uint8Array(query);
  reply[2] = 0x80 | (query[2] & 1);
  reply[3] = 0x80 | 3;
  dns.sendto(reply, from);
};
held.forEach(answer);
try {
  for (;;) answer(await asyncio.sock_recvfrom(dns, 512, { signal: done.signal }));
} catch (e) {
  if (!done.signal.aborted) throw e;
}
console.log(JSON.stringify([...new Set(await all)]));
dns.close();
a.close();
b.close();`,
      { wrap: ["unshare", "-mn", "sh", "-c", setup, "sh"], timeoutMs: 120_000 },
    );
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'ping-pong done with 0 lookups settled\n["gaierror"]\n', describe(r));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("400 concurrent resolver calls all succeed, and fail no pending socket operation", async () => {
  const lookups: Promise<unknown>[] = [];
  for (let i = 0; i < 320; i++) {
    lookups.push(
      socket.getaddrinfo_async(
        `10.0.${i >> 8}.${i & 255}`,
        i,
        socket.AF_INET,
        0,
        0,
        socket.AI_NUMERICHOST,
      ),
    );
  }
  for (let i = 0; i < 40; i++) {
    lookups.push(
      socket.getnameinfo_async(["127.0.0.1", i], socket.NI_NUMERICHOST | socket.NI_NUMERICSERV),
    );
    lookups.push(socket.gethostbyname_async(`10.1.0.${i}`));
  }
  // A receive that needs the reactor's blocking wait while the calls are in flight.
  const [a, b] = socket.socketpair();
  try {
    b.setblocking(false);
    const got = sock_recv(b, 10);
    const sent = (async () => {
      while (!getReactor().waiting) await new Promise((resolve) => setTimeout(resolve, 1));
      a.send(new TextEncoder().encode("ok"));
    })();
    const outcomes = await Promise.allSettled(lookups);
    const failed = outcomes.filter((o) => o.status === "rejected");
    assert.equal(failed.length, 0, String((failed[0] as PromiseRejectedResult)?.reason));
    await sent;
    assert.equal(new TextDecoder().decode(await got), "ok");
    const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<unknown>).value;
    assert.deepEqual((value(0) as socket.AddrInfo[])[0][4], ["10.0.0.0", 0]);
    assert.deepEqual(value(320), ["127.0.0.1", "0"]);
    assert.equal(value(321), "10.1.0.0");
  } finally {
    a.close();
    b.close();
  }
});
