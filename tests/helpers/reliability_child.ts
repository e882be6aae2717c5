/**
 * Child processes of tests/fuzz_test.ts and tests/reliability_test.ts: each mode runs in a
 * process of its own, so descriptor counts are exact, a crash or a signal is observed from
 * outside, and resource limits or namespaces apply to it alone. The mode is the first
 * argument; each prints one JSON report as its last line.
 *
 * @module
 */
import process from "node:process";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as socket from "../../mod.ts";
import { closeReceivedFds } from "../../message.ts";
import { spawn } from "./host.ts";
import { childCommand, fdCount, fdTarget, rssKiB } from "./reliability_util.ts";

const mode = process.argv[2];
const args = process.argv.slice(3);
const EBADF = 9;

function report(value: unknown): void {
  console.log(JSON.stringify(value));
}

function errorOf(fn: () => unknown): { name: string; errno: number | null } | null {
  try {
    fn();
    return null;
  } catch (e) {
    return { name: (e as Error).name, errno: (e as socket.OSError).errno ?? null };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gc(): void {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (typeof g.gc === "function") g.gc();
  else if (g.Bun) g.Bun.gc(true);
  else throw new Error("no gc(): run with --expose-gc");
}

/** Uses a closed or detached socket whose old number now belongs to a file. */
function staleUse(s: socket.socket, path: string): Record<string, unknown> {
  const any = s as unknown as Record<string, (...a: unknown[]) => unknown>;
  const uses: [string, () => unknown][] = [
    ["send", () => s.send(new Uint8Array([1, 2, 3]))],
    ["sendall", () => s.sendall(new Uint8Array([1, 2, 3]))],
    ["sendall(empty)", () => s.sendall(new Uint8Array(0))],
    ["sendto", () => s.sendto(new Uint8Array([1]), ["127.0.0.1", 9])],
    ["sendmsg", () => s.sendmsg([new Uint8Array([1])])],
    ["recv", () => s.recv(10)],
    ["recv_into", () => s.recv_into(new Uint8Array(10))],
    ["recvfrom", () => s.recvfrom(10)],
    ["recvmsg", () => s.recvmsg(10)],
    ["bind", () => s.bind(["127.0.0.1", 0])],
    ["listen", () => s.listen()],
    ["accept", () => s.accept()],
    ["connect", () => s.connect(["127.0.0.1", 9])],
    ["getsockname", () => s.getsockname()],
    ["getpeername", () => s.getpeername()],
    ["getsockopt", () => s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)],
    ["setsockopt", () => s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)],
    ["settimeout", () => s.settimeout(1)],
    ["setblocking", () => s.setblocking(false)],
    ["getblocking", () => s.getblocking()],
    ["shutdown", () => s.shutdown(socket.SHUT_RDWR)],
    ["dup", () => s.dup()],
    ["get_inheritable", () => s.get_inheritable()],
    ["set_inheritable", () => s.set_inheritable(true)],
    ["sendfile", () => s.sendfile(path)],
    ["makefile", () => any.makefile("rb")],
  ];
  const out: Record<string, unknown> = {};
  for (const [name, fn] of uses) {
    const e = errorOf(fn);
    out[name] = e === null ? "ok" : e.errno === EBADF ? "EBADF" : `${e.name}/${e.errno}`;
  }
  out["fileno"] = s.fileno();
  out["close"] = errorOf(() => s.close()) ?? "ok";
  out["detach"] = s.detach();
  out["repr"] = String(s);
  return out;
}

const modes: Record<string, () => Promise<void> | void> = {
  /** After close or detach nothing touches the old number, which now names a file. */
  stale() {
    const path = join(tmpdir(), `sockstale-${process.pid}`);
    const results: Record<string, unknown> = {};
    for (const how of ["close", "detach"]) {
      const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
      const old = s.fileno();
      if (how === "close") s.close();
      else socket.close(s.detach());
      const fd = openSync(path, "w+");
      writeSync(fd, "file body");
      const flagsBefore = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/flags:\s+(\d+)/)
        ?.[1];
      const uses = staleUse(s, path);
      const flagsAfter = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/flags:\s+(\d+)/)
        ?.[1];
      results[how] = {
        reused: fd === old,
        uses,
        fileStillOpen: fdTarget(fd) === path,
        content: readFileSync(path, "utf8"),
        flagsBefore,
        flagsAfter,
      };
      closeSync(fd);
    }
    report(results);
  },

  /** closeReceivedFds closes every descriptor of SCM_RIGHTS items, and only those. */
  closefds() {
    const [a, b] = socket.socketpair();
    const fd1 = a.dup().detach();
    const fd2 = b.dup().detach();
    const data = new Uint8Array(8);
    const dv = new DataView(data.buffer);
    dv.setInt32(0, fd1, true);
    dv.setInt32(4, fd2, true);
    const other = new Uint8Array(4);
    new DataView(other.buffer).setInt32(0, a.fileno(), true);
    closeReceivedFds([
      [socket.SOL_SOCKET, socket.SCM_RIGHTS!, data],
      [socket.SOL_SOCKET, 99, other], // not SCM_RIGHTS: left alone
      [socket.IPPROTO_IP, socket.SCM_RIGHTS!, other], // not SOL_SOCKET: left alone
    ]);
    report({
      fd1Closed: fdTarget(fd1) === null,
      fd2Closed: fdTarget(fd2) === null,
      othersOpen: fdTarget(a.fileno()) !== null && fdTarget(b.fileno()) !== null,
    });
    a.close();
    b.close();
  },

  /** Sockets dropped without close() are closed by the FinalizationRegistry, with a warning. */
  async gc() {
    const before = fdCount();
    let made = 0;
    (() => {
      for (let i = 0; i < 20; i++) {
        new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
        socket.socketpair();
        made += 3;
      }
    })();
    const peak = fdCount();
    for (let i = 0; i < 10 && fdCount() > before; i++) {
      gc();
      await sleep(20);
    }
    report({ before, peak, made, after: fdCount() });
  },

  /** 10,000 open/connect/error/close cycles leave the descriptor count where it was. */
  cycles() {
    const n = Number(args[0] ?? 10_000);
    const srv = socket.create_server(["127.0.0.1", 0], { backlog: 128 });
    srv.settimeout(1);
    const port = (srv.getsockname() as [string, number])[1];
    const closed = new socket.socket();
    closed.bind(["127.0.0.1", 0]);
    const refusedPort = (closed.getsockname() as [string, number])[1];
    closed.close();
    const before = fdCount();
    const errors: Record<string, number> = {};
    const count = (e: unknown) => {
      const name = (e as Error).name;
      errors[name] = (errors[name] ?? 0) + 1;
    };
    for (let i = 0; i < n; i++) {
      const s = new socket.socket(i % 4 === 3 ? socket.AF_INET6 : socket.AF_INET);
      try {
        s.settimeout(1);
        switch (i % 4) {
          case 0: {
            s.connect(["127.0.0.1", port]);
            const [c] = srv.accept();
            s.sendall(new Uint8Array([i & 0xff]));
            if (c.recv(1)[0] !== (i & 0xff)) throw new Error("data mismatch");
            c.close();
            break;
          }
          case 1:
            s.connect(["127.0.0.1", refusedPort]);
            break;
          case 2:
            s.connect(["127.0.0.1", 70000]);
            break;
          default:
            s.connect(["::1", refusedPort]);
        }
      } catch (e) {
        count(e);
      } finally {
        s.close();
      }
    }
    const after = fdCount();
    srv.close();
    report({ n, before, after, errors });
  },

  /** A timeout-mode recv interrupted by signals: retried (PEP 475), the deadline holds. */
  async eintr() {
    let signals = 0;
    const sig = "SIGUSR2";
    // deno-lint-ignore no-explicit-any
    const D = (globalThis as any).Deno;
    if (D) D.addSignalListener(sig, () => signals++);
    else process.on(sig, () => signals++);
    const [a, b] = socket.socketpair();
    const srv = socket.create_server(["127.0.0.1", 0]);
    a.settimeout(1.5);
    srv.settimeout(1);
    console.log("READY");
    await sleep(100); // the parent starts signalling on READY
    const results: Record<string, unknown> = {};
    let t0 = performance.now();
    results.recv = errorOf(() => a.recv(10));
    results.recvSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    results.accept = errorOf(() => srv.accept());
    results.acceptSeconds = (performance.now() - t0) / 1000;
    console.log("DONE"); // the parent stops signalling
    await sleep(300); // signals already on their way find the listener
    results.signals = signals;
    a.close();
    b.close();
    srv.close();
    report(results);
    process.exit(0);
  },

  /** connect to an address whose packets vanish: TimeoutError at the socket's timeout. */
  blackhole() {
    const host = args[0];
    const results: Record<string, unknown> = {};
    const s = new socket.socket();
    s.settimeout(0.5);
    let t0 = performance.now();
    results.connect = errorOf(() => s.connect([host, 80]));
    results.connectSeconds = (performance.now() - t0) / 1000;
    s.close();
    const t = new socket.socket();
    t.settimeout(0.3);
    t0 = performance.now();
    results.connect_ex = t.connect_ex([host, 80]);
    results.connectExSeconds = (performance.now() - t0) / 1000;
    t.close();
    const u = new socket.socket();
    u.setblocking(false);
    results.nonblocking = errorOf(() => u.connect([host, 80]));
    u.close();
    report(results);
  },

  /**
   * The accepting half of `load`, in a process of its own (each end of 10,000 connections
   * needs a descriptor: two processes stay under a 20,000 limit). Echoes 8 bytes doubled.
   */
  "load-server"() {
    const n = Number(args[0]);
    const srv = socket.create_server(["127.0.0.1", 0], { backlog: 4096 });
    srv.settimeout(30);
    console.log(`PORT ${(srv.getsockname() as [string, number])[1]}`);
    const conns: socket.socket[] = [];
    for (let i = 0; i < n; i++) conns.push(srv.accept()[0]);
    const peak = fdCount();
    const got = new Uint8Array(8);
    for (const c of conns) {
      c.settimeout(30);
      let have = 0;
      while (have < 8) {
        const k = c.recv_into(got.subarray(have));
        if (k === 0) throw new Error("early EOF");
        have += k;
      }
      c.sendall(new Uint8Array([...got, ...got]));
    }
    for (const c of conns) c.close();
    srv.close();
    report({ accepted: conns.length, peak });
  },

  /** 10,000 concurrent loopback connections, each carrying data both ways, all intact. */
  async load() {
    const n = Number(args[0] ?? 10_000);
    const before = fdCount();
    const [cmd, ...cmdArgs] = childCommand("reliability_child", { args: ["load-server", `${n}`] });
    const server = spawn(cmd, cmdArgs, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    server.stdout!.setEncoding("utf8");
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout!.on("data", (chunk: string) => {
        out += chunk;
        const m = out.match(/PORT (\d+)/);
        if (m) resolve(Number(m[1]));
      });
      server.on("exit", () => reject(new Error(`server exited: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => server.on("exit", resolve));
    const t0 = performance.now();
    const clients: socket.socket[] = [];
    for (let i = 0; i < n; i++) {
      const c = new socket.socket();
      clients.push(c);
      c.settimeout(30);
      c.connect(["127.0.0.1", port]);
    }
    const peak = fdCount();
    const msg = new Uint8Array(8);
    const dv = new DataView(msg.buffer);
    clients.forEach((c, i) => {
      dv.setUint32(0, i, true);
      dv.setUint32(4, ~i >>> 0, true);
      c.sendall(msg);
    });
    let intact = 0;
    const got = new Uint8Array(16);
    const v = new DataView(got.buffer);
    clients.forEach((c, i) => {
      let have = 0;
      while (have < 16) {
        const k = c.recv_into(got.subarray(have));
        if (k === 0) throw new Error("early EOF");
        have += k;
      }
      if (
        v.getUint32(0, true) === i && v.getUint32(8, true) === i &&
        v.getUint32(4, true) === (~i >>> 0) && v.getUint32(12, true) === (~i >>> 0)
      ) intact++;
    });
    for (const c of clients) c.close();
    const code = await exited;
    const lines = out.trim().split("\n");
    report({
      n,
      intact,
      before,
      peak,
      after: fdCount(),
      server: { code, ...JSON.parse(lines[lines.length - 1]) },
      seconds: (performance.now() - t0) / 1000,
    });
  },

  /** Mixed operations for SOAK_SECONDS: descriptor count flat, RSS flat. */
  soak() {
    const seconds = Number(args[0] ?? 10);
    const srv = socket.create_server(["127.0.0.1", 0]);
    srv.settimeout(1);
    const port = (srv.getsockname() as [string, number])[1];
    const udp = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    udp.bind(["127.0.0.1", 0]);
    udp.settimeout(1);
    const udpAddr = udp.getsockname();
    const payload = new Uint8Array(4096).map((_, i) => i * 7);
    const buf = new Uint8Array(8192);
    const samples: { t: number; fds: number; rss: number }[] = [];
    const before = fdCount();
    const t0 = performance.now();
    let rounds = 0;
    let lastSample = 0;
    while (performance.now() - t0 < seconds * 1000) {
      rounds++;
      // TCP: connect, accept, data both ways, close
      {
        using c = socket.create_connection(["127.0.0.1", port], 1);
        const [s] = srv.accept();
        c.sendall(payload);
        let have = 0;
        while (have < payload.length) have += s.recv_into(buf.subarray(have, payload.length));
        if (buf[4095] !== payload[4095]) throw new Error("tcp data");
        s.sendall(buf.subarray(0, 100));
        c.recv(100);
        s.close();
      }
      // socketpair and SCM_RIGHTS
      {
        const [a, b] = socket.socketpair();
        socket.send_fds(a, [payload.subarray(0, 10)], [a.fileno()]);
        const [, fds] = socket.recv_fds(b, 100, 2);
        for (const fd of fds) socket.close(fd);
        a.close();
        b.close();
      }
      // UDP
      {
        using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
        s.sendto(payload.subarray(0, 512), udpAddr);
        udp.recvfrom_into(buf);
      }
      // errors: refused, timeout, stale
      {
        using s = new socket.socket();
        s.connect_ex(["127.0.0.1", 1]);
        const [a, b] = socket.socketpair();
        a.settimeout(0.001);
        try {
          a.recv(1);
        } catch (e) {
          if (!(e instanceof socket.TimeoutError)) throw e;
        }
        a.close();
        b.close();
        try {
          a.send(payload);
        } catch (e) {
          if ((e as socket.OSError).errno !== EBADF) throw e;
        }
      }
      const now = performance.now() - t0;
      if (now - lastSample > 500) {
        lastSample = now;
        try {
          gc();
        } catch { /* measured without a collection */ }
        samples.push({ t: Math.round(now), fds: fdCount(), rss: rssKiB() });
      }
    }
    srv.close();
    udp.close();
    report({ seconds, rounds, before, after: fdCount(), samples });
  },

  /** Opt-in net permission checks under `--allow-net=127.0.0.1:<allowed>,localhost:<byName>`. */
  async perm() {
    const [allowed, byName, denied] = args.map(Number);
    const perms = await import("../../permissions.ts");
    const results: Record<string, unknown> = {};
    const tryConnect = (host: string, port: number) =>
      errorOf(() => {
        using s = new socket.socket();
        s.settimeout(2);
        s.connect([host, port]);
      });
    results.offDenied = tryConnect("127.0.0.1", denied); // checks off: FFI is not policed
    perms.enableNetPermissionChecks();
    results.enabled = perms.netPermissionChecksEnabled();
    results.allowed = tryConnect("127.0.0.1", allowed);
    results.byName = tryConnect("localhost", byName);
    results.byNameNumeric = tryConnect("127.0.0.1", byName);
    results.denied = tryConnect("127.0.0.1", denied);
    results.deniedHost = tryConnect("127.0.0.2", allowed);
    results.connect_ex = errorOf(() => {
      using s = new socket.socket();
      s.connect_ex(["127.0.0.1", denied]);
    });
    results.bind = errorOf(() => {
      using s = new socket.socket();
      s.bind(["127.0.0.1", denied]);
    });
    results.sendto = errorOf(() => {
      using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      s.sendto(new Uint8Array([1]), ["127.0.0.1", denied]);
    });
    results.sendtoAllowed = errorOf(() => {
      using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      s.sendto(new Uint8Array([1]), ["127.0.0.1", allowed]);
    });
    results.sendmsg = errorOf(() => {
      using s = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      s.sendmsg([new Uint8Array([1])], [], 0, ["127.0.0.1", denied]);
    });
    results.ipv6 = errorOf(() => {
      using s = new socket.socket(socket.AF_INET6);
      s.settimeout(1);
      s.connect(["::1", allowed]);
    });
    results.create_connection = errorOf(() => socket.create_connection(["127.0.0.1", denied], 1));
    results.unix = errorOf(() => {
      const [a, b] = socket.socketpair();
      a.send(new Uint8Array([1]));
      b.recv(1);
      a.close();
      b.close();
    });
    perms.disableNetPermissionChecks();
    results.disabledAgain = tryConnect("127.0.0.1", denied);
    report(results);
  },
};

const run = modes[mode];
if (!run) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
await run();
