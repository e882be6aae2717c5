/**
 * Runs every example with arguments that make it finish quickly and checks what it
 * prints; and runs the spec's Python echo programs (tests/helpers/echo_*.py) against
 * ours in every combination: our or Python's client x our or Python's server, for
 * the IPv4 pair and for the IPv4/IPv6 pair over IPv6.
 */
import { DARWIN, test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "./helpers/host.ts";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { scaled, waitForListener } from "./helpers/timing.ts";

const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
const example = (name: string) =>
  fileURLToPath(new URL(`../examples/${name}${ext}`, import.meta.url));
const helper = (name: string) => fileURLToPath(new URL(`./helpers/${name}`, import.meta.url));
const isDeno = /deno[^/]*$/.test(process.execPath);

type Result = { code: number | null; out: string; err: string };

/** Runs a command to its end, collecting output (asynchronously: servers run beside). */
function run(cmd: string, args: string[], timeoutMs = scaled(30_000)): Promise<Result> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => out += c);
  child.stderr.setEncoding("utf8").on("data", (c: string) => err += c);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    })
  );
}

/** Runs one of our examples with this runtime. */
function runExample(name: string, args: string[] = []): Promise<Result> {
  const pre = isDeno ? ["run", "-A", "--quiet"] : [];
  return run(process.execPath, [...pre, example(name), ...args]);
}

function freePort(family: number, host: string): number {
  using s = new socket.socket(family, socket.SOCK_STREAM);
  s.bind([host, 0]);
  return (s.getsockname() as [string, number])[1];
}

const pairs = [
  {
    name: "IPv4",
    server: "echo_server",
    client: "echo_client",
    family: socket.AF_INET,
    host: "127.0.0.1",
  },
  {
    name: "IPv6",
    server: "echo_server_v6",
    client: "echo_client_v6",
    family: socket.AF_INET6,
    host: "::1",
  },
];

for (const pair of pairs) {
  for (const serverSide of ["ours", "python"]) {
    for (const clientSide of ["ours", "python"]) {
      test(`spec echo ${pair.name}: ${clientSide} client x ${serverSide} server`, async () => {
        const port = String(freePort(pair.family, pair.host));
        const start = (side: string, prog: string) =>
          side === "ours"
            ? runExample(prog, [pair.host, port])
            : run("python3", [helper(`${prog}.py`), pair.host, port]);
        const server = start(serverSide, pair.server);
        await waitForListener(Number(port), server);
        const client = await start(clientSide, pair.client);
        const srv = await server;
        assert.equal(client.code, 0, client.err);
        assert.equal(srv.code, 0, srv.err);
        assert.equal(client.out, "Received b'Hello, world'\n");
        const peer = pair.family === socket.AF_INET
          ? /^Connected by \('127\.0\.0\.1', (\d+)\)\n$/
          : /^Connected by \('::1', (\d+), 0, 0\)\n$/;
        assert.match(srv.out, peer);
      });
    }
  }
}

test("examples/demo.ts: both echo pairs in one command, exit 0", async () => {
  const r = await runExample("demo");
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.equal(lines.length, 6, r.out);
  assert.match(lines[0], /^== IPv4: /);
  assert.match(lines[1], /^Connected by \('127\.0\.0\.1', \d+\)$/);
  assert.equal(lines[2], "Received b'Hello, world'");
  assert.match(lines[3], /^== IPv6: /);
  assert.match(lines[4], /^Connected by \('::1', \d+, 0, 0\)$/);
  assert.equal(lines[5], "Received b'Hello, world'");
});

test("examples/unix_datagram.ts: a connect()ed datagram client to a server", async () => {
  const r = await runExample("unix_datagram", ["4"]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.match(lines[0], /^server bound to \/.*log\.sock$/);
  // an unbound sender: null (Python's None); macOS names it '' (XNU's sun_noname)
  const from = DARWIN ? "" : "null";
  for (let i = 1; i <= 4; i++) {
    assert.match(
      lines[i],
      new RegExp(`^received "<14>demo\\[\\d+\\]: message ${i}" from ${from}$`),
    );
  }
});

test("examples/fd_passing.ts: a descriptor passed between two processes", async () => {
  const r = await runExample("fd_passing");
  assert.equal(r.code, 0, r.err);
  const child = r.out.match(/^child (\d+): got "a socket for you" and fd \d+$/m);
  assert.ok(child, r.out);
  assert.match(r.out, /^parent \d+: sent fd \d+ \(closed here\)$/m);
  assert.match(
    r.out,
    new RegExp(
      `^parent \\d+: read "hello from process ${child[1]} through a passed descriptor"$`,
      "m",
    ),
  );
});

test("examples/icmp_ping.ts: raw ICMP echo to 127.0.0.1", async (t) => {
  try {
    new socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close();
  } catch (e) {
    t.skip(`raw sockets not permitted: ${e}`);
    return;
  }
  const r = await runExample("icmp_ping", ["2"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^PING 127\.0\.0\.1: 56 data bytes$/m);
  assert.match(r.out, /^64 bytes from 127\.0\.0\.1: icmp_seq=1 ttl=\d+ time=[\d.]+ ms$/m);
  assert.match(r.out, /^64 bytes from 127\.0\.0\.1: icmp_seq=2 ttl=\d+ time=[\d.]+ ms$/m);
  assert.match(r.out, /^2 packets transmitted, 2 received$/m);
});

test("examples/netlink_routes.ts: the routing table of a private namespace", async (t) => {
  // A network namespace of our own: lo with an address, and routes we choose.
  const setup = "ip link set lo up && ip addr add 10.9.0.1/24 dev lo && " +
    "ip route add 10.20.0.0/16 via 10.9.0.2 dev lo && ip -6 route add 2001:db8::/32 dev lo";
  try {
    execFileSync("unshare", ["-n", "sh", "-c", setup], { stdio: "ignore" });
  } catch (e) {
    t.skip(`cannot create a network namespace here: ${e}`);
    return;
  }
  const pre = isDeno ? ["run", "-A", "--quiet"] : [];
  const cmd = [process.execPath, ...pre, example("netlink_routes")].map((a) => `'${a}'`).join(" ");
  const both =
    `${setup} && ${cmd} && echo --- && ${cmd} all && echo --- && ip route show table main && ip -6 route show table main`;
  const r = await run("unshare", ["-n", "sh", "-c", both]);
  assert.equal(r.code, 0, r.err);
  const [main, all, ip] = r.out.split("---\n").map((s) => s.trim().split("\n"));
  assert.ok(main.includes("10.20.0.0/16 via 10.9.0.2 dev lo"), r.out);
  assert.ok(main.includes("2001:db8::/32 dev lo"), r.out);
  // the same destinations as `ip route` shows for the main table
  const ipDsts = ip.map((l) => l.split(" ")[0]).sort();
  assert.deepEqual(main.map((l) => l.split(" ")[0]).sort(), ipDsts);
  // every table: on lo the address's routes live in the local table
  assert.ok(all.includes("10.9.0.1 dev lo table local"), r.out);
  assert.ok(all.includes("10.9.0.0/24 dev lo table local"), r.out);
  assert.ok(all.includes("10.20.0.0/16 via 10.9.0.2 dev lo table main"), r.out);
});

test("examples/packet_counter.ts: AF_PACKET on lo sees its own datagrams", async (t) => {
  try {
    new socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close();
  } catch (e) {
    t.skip(`AF_PACKET sockets not permitted: ${e}`);
    return;
  }
  const r = await runExample("packet_counter", ["0.3", "7"]);
  assert.equal(r.code, 0, r.err);
  const total = r.out.match(/^lo: (\d+) packets in 0\.3 s$/m);
  assert.ok(total && Number(total[1]) >= 7, r.out);
  assert.match(r.out, /^captured 7 of our 7 UDP datagrams to port \d+$/m);
});

test("examples/reuseport_server.ts: worker processes share one port", async () => {
  const r = await runExample("reuseport_server", ["3", "24"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^3 workers listening on 127\.0\.0\.1 port \d+$/m);
  const answers = [...r.out.matchAll(/^connection \d+: worker (\d+)$/gm)].map((m) => m[1]);
  assert.equal(answers.length, 24);
  const summary = r.out.match(/^24 connections served by (\d) of 3 workers/m);
  assert.ok(summary, r.out);
  assert.equal(Number(summary[1]), new Set(answers).size);
  // 24 connections over 3 workers all landing on one has odds of 3 * 3^-24
  assert.ok(new Set(answers).size >= 2, r.out);
});

test(
  "examples/reuseport_workers.ts: Workers of one process share one port",
  { skip: isDeno ? false : "a Deno example (its Workers are told apart by Deno's Worker name)" },
  async () => {
    const r = await runExample("reuseport_workers", ["3", "24"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^3 Workers listening on 127\.0\.0\.1 port \d+$/m);
    const answers = [...r.out.matchAll(/^connection (\d+): (echo-\d) says: hello (\d+)$/gm)];
    assert.equal(answers.length, 24, r.out);
    for (const m of answers) assert.equal(m[1], m[3], "each echo is its own connection's");
    const summary = r.out.match(/^24 connections served by (\d) of 3 Workers/m);
    assert.ok(summary, r.out);
    const who = new Set(answers.map((m) => m[2]));
    assert.equal(Number(summary[1]), who.size);
    // 24 connections over 3 Workers all landing on one has odds of 3 * 3^-24
    assert.ok(who.size >= 2, r.out);
  },
);

// ---------------------------------------------------------------- async servers that survive

/** A server child: its output so far, and a promise settled when it exits. */
function startServer(file: string, port: number) {
  const pre = isDeno ? ["run", "-A", "--quiet"] : [];
  const proc = spawn(process.execPath, [...pre, file, String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout.setEncoding("utf8").on("data", (c: string) => log += c);
  proc.stderr.setEncoding("utf8").on("data", (c: string) => log += c);
  const gone = new Promise<string>((resolve) =>
    proc.on("close", (code, signal) => resolve(`code ${code}, signal ${signal}`))
  );
  return { proc, gone, log: () => log };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** struct linger { l_onoff = 1, l_linger = 0 }: close() then resets the connection. */
const LINGER_RESET = new Uint8Array(new Int32Array([1, 0]).buffer);

/** One echo round trip to 127.0.0.1:port. */
function echoOnce(port: number, text: string): void {
  using c = socket.create_connection(["127.0.0.1", port], scaled(10_000) / 1000);
  c.sendall(enc.encode(text));
  let got = "";
  while (got.length < text.length) {
    const chunk = c.recv(4096);
    if (chunk.length === 0) break;
    got += dec.decode(chunk);
  }
  assert.equal(got, text);
}

/** A client that resets its connection: at once, or after an echo and with data in flight. */
function resetClient(port: number, afterEcho: boolean): void {
  const c = socket.create_connection(["127.0.0.1", port], scaled(10_000) / 1000);
  if (afterEcho) {
    c.sendall(enc.encode("ping"));
    assert.equal(dec.decode(c.recv(4)), "ping");
    c.sendall(new Uint8Array(65536)); // the server is echoing this when the reset comes
  }
  c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET);
  c.close();
}

/** Resetting clients, each followed by a good one; the server must serve them all. */
async function survivesResets(file: string, port: number): Promise<void> {
  const server = startServer(file, port);
  try {
    await waitForListener(port, server.gone);
    for (let i = 0; i < 10; i++) {
      resetClient(port, i % 2 === 1);
      echoOnce(port, `hello ${i}`);
    }
    // a crash on the last reset would come within this round trip's time
    echoOnce(port, "still there");
    assert.equal(server.proc.exitCode, null, server.log());
    assert.equal(server.proc.signalCode, null, server.log());
  } catch (e) {
    throw new Error(`${e}\nserver output:\n${server.log()}`);
  } finally {
    server.proc.kill("SIGKILL");
    await server.gone;
  }
}

test("examples/async_echo_server.ts: clients that reset do not stop the server", async () => {
  await survivesResets(example("async_echo_server"), freePort(socket.AF_INET, "127.0.0.1"));
});

test("README's async echo server: clients that reset do not stop it", async (t) => {
  if (!isDeno && !process.versions.bun) {
    t.skip("the README's example is TypeScript: Node 20 does not run it");
    return;
  }
  // The repository's README.md (not the npm package's, which is the users' README): one
  // level above tests/, three above the npm build's npm/test/tests/, or where
  // SOCKET_TEST_REPO says (the npm build staged alone, as run_windows.sh --npm does).
  const here = fileURLToPath(new URL(".", import.meta.url));
  const repo = process.env.SOCKET_TEST_REPO;
  const readme = [
    join(here, "..", "README.md"),
    join(here, "..", "..", "..", "README.md"),
    ...(repo ? [join(repo, "README.md")] : []),
  ]
    .find((f) =>
      existsSync(f) && readFileSync(f, "utf8").includes("## The event-loop-friendly API")
    );
  assert.ok(readme, "README.md not found");
  const block = readFileSync(readme, "utf8")
    .match(/## The event-loop-friendly API[\s\S]*?```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(block, "the README's async example not found");
  const port = freePort(socket.AF_INET, "127.0.0.1");
  const code = block
    .replace(`"./mod.ts"`, JSON.stringify(new URL("../mod.ts", import.meta.url).href))
    .replace("8080", String(port));
  const dir = mkdtempSync(join(tmpdir(), "socket-readme-"));
  try {
    writeFileSync(join(dir, "server.ts"), code);
    await survivesResets(join(dir, "server.ts"), port);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/async_echo_server.ts: the accept loop survives EMFILE", async (t) => {
  if (spawnSync("prlimit", ["--version"]).status !== 0) {
    t.skip("prlimit (util-linux) is not installed");
    return;
  }
  const port = freePort(socket.AF_INET, "127.0.0.1");
  const server = startServer(example("async_echo_server"), port);
  const clients: socket.socket[] = [];
  try {
    await waitForListener(port, server.gone);
    // One connection served first: the server has all the descriptors it keeps (its
    // reactor's among them). Then room for about three more: the fourth accept fails.
    echoOnce(port, "first");
    // A new descriptor takes the lowest free number, below the limit: the limit goes just
    // past the third free number (descriptors above it, as qemu-user keeps, do not count).
    const open = new Set(readdirSync(`/proc/${server.proc.pid}/fd`).map(Number));
    let n = 0;
    for (let free = 0; free < 3; n++) if (!open.has(n)) free++;
    const limit = `--nofile=${n}:${n}`;
    const r = spawnSync("prlimit", ["--pid", String(server.proc.pid), limit], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 10; i++) {
      const c = socket.create_connection(["127.0.0.1", port], scaled(20_000) / 1000);
      clients.push(c);
      c.sendall(enc.encode(`client ${i}`));
    }
    // All ten stay open until the server has met EMFILE (at its fourth accept at most).
    const deadline = performance.now() + scaled(20_000);
    while (!/accept failed:.*Too many open files/.test(server.log())) {
      assert.ok(performance.now() < deadline, "the server never logged EMFILE");
      await new Promise((r) => setTimeout(r, 10));
    }
    // Each client, in order, gets its echo and closes, which frees a descriptor for the next.
    for (const [i, c] of clients.entries()) {
      assert.equal(dec.decode(c.recv(100)), `client ${i}`);
      c.close();
    }
    echoOnce(port, "after");
    assert.equal(server.proc.exitCode, null, server.log());
  } catch (e) {
    throw new Error(`${e}\nserver output:\n${server.log()}`);
  } finally {
    for (const c of clients) c.close();
    server.proc.kill("SIGKILL");
    await server.gone;
  }
});
