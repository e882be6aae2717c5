/**
 * Deno's own networking API on the benchmark workloads that it has (Deno.listen,
 * Deno.connect, Deno.listenDatagram; no socketpair, no getaddrinfo): W2-W5 and W7, same
 * checksums as bench/c/bench.c. W5 needs `--unstable-net`. W7 (1,000 concurrent echo
 * connections in one process, `n / 1000` round trips each) adds `rss` (VmHWM, bytes).
 *
 * @module
 */
const MSG = 64;
const CHUNK = 65536;
const args = Deno.args;

function report(seconds: number, count: number, checksum: number): void {
  console.log(JSON.stringify({ seconds, count, checksum }));
}

async function readExact(c: Deno.Conn, buf: Uint8Array): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const r = await c.read(buf.subarray(got));
    if (r === null) break;
    got += r;
  }
  return got;
}

async function writeAll(c: Deno.Conn, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) off += await c.write(off === 0 ? buf : buf.subarray(off));
}

async function pingpong(cli: Deno.Conn, srv: Deno.Conn | null, n: number): Promise<number> {
  const msg = new Uint8Array(MSG).fill(7);
  const buf = new Uint8Array(MSG);
  const sbuf = new Uint8Array(MSG);
  let total = 0;
  for (let i = 0; i < n; i++) {
    msg[0] = i & 255;
    await writeAll(cli, msg);
    if (srv !== null) {
      await readExact(srv, sbuf);
      await writeAll(srv, sbuf);
    }
    const got = await readExact(cli, buf);
    total += got + buf[0];
  }
  return total;
}

async function main(): Promise<void> {
  const w = args[0];
  if (w === "w2") {
    const n = Number(args[1]);
    const lst = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const cli = await Deno.connect({ hostname: "127.0.0.1", port: lst.addr.port });
    const srv = await lst.accept();
    cli.setNoDelay(true);
    srv.setNoDelay(true);
    const t0 = performance.now();
    const total = await pingpong(cli, srv, n);
    report((performance.now() - t0) / 1000, n, total);
    cli.close();
    srv.close();
    lst.close();
  } else if (w === "w3-server" || w === "w4-server") {
    const lst = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    console.log(JSON.stringify({ port: lst.addr.port }));
    const c = await lst.accept();
    c.setNoDelay(true);
    if (w === "w3-server") {
      const buf = new Uint8Array(MSG);
      while (await readExact(c, buf) === MSG) await writeAll(c, buf);
    } else {
      const buf = new Uint8Array(CHUNK);
      let total = 0;
      let bad = 0;
      for (;;) {
        const r = await c.read(buf);
        if (r === null) break;
        if (buf[0] !== (total & 255)) bad++;
        total += r;
      }
      await writeAll(c, new Uint8Array(new Float64Array([total, bad]).buffer));
    }
    c.close();
    lst.close();
  } else if (w === "w3-client") {
    const cli = await Deno.connect({ hostname: "127.0.0.1", port: Number(args[1]) });
    cli.setNoDelay(true);
    const n = Number(args[2]);
    const t0 = performance.now();
    const total = await pingpong(cli, null, n);
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, n, total);
  } else if (w === "w4-client") {
    const cli = await Deno.connect({ hostname: "127.0.0.1", port: Number(args[1]) });
    cli.setNoDelay(true);
    const nbytes = Number(args[2]);
    const buf = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) buf[i] = i & 255;
    const t0 = performance.now();
    let sent = 0;
    while (sent < nbytes) {
      const want = Math.min(CHUNK, nbytes - sent);
      await writeAll(cli, want === CHUNK ? buf : buf.subarray(0, want));
      sent += want;
    }
    await cli.closeWrite();
    const ack = new Float64Array(2);
    if (await readExact(cli, new Uint8Array(ack.buffer)) !== 16) throw new Error("short ack");
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, nbytes, ack[1] === 0 ? ack[0] : -1);
  } else if (w === "w5") {
    const n = Number(args[1]);
    const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const aaddr = a.addr as Deno.NetAddr;
    const bport = (b.addr as Deno.NetAddr).port;
    const msg = new Uint8Array(MSG).fill(7);
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      msg[0] = i & 255;
      await b.send(msg, aaddr);
      const [data, from] = await a.receive();
      total += ((from as Deno.NetAddr).port === bport ? data.length : -1000000) + data[0];
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w7") {
    const CONNS = 1000;
    const per = Math.max(1, Math.round(Number(args[1]) / CONNS));
    const lst = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const echo = async (c: Deno.Conn) => {
      (c as Deno.TcpConn).setNoDelay(true);
      const buf = new Uint8Array(MSG);
      while (await readExact(c, buf) === MSG) await writeAll(c, buf);
      c.close();
    };
    // the connect gate of bench/ours_async.ts: at most 64 connections not yet accepted, so
    // that no listen queue overflows (a dropped SYN costs a 1 s retransmission)
    let open = 64;
    const queue: (() => void)[] = [];
    const enter = () =>
      open > 0 ? (open--, Promise.resolve()) : new Promise<void>((r) => queue.push(r));
    const port = lst.addr.port;
    let connecting = CONNS;
    let allConnected!: () => void;
    const started = new Promise<void>((resolve) => allConnected = resolve);
    const t0 = performance.now();
    const servers: Promise<void>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < CONNS; i++) {
        const c = await lst.accept();
        const next = queue.shift();
        if (next) next();
        else open++;
        servers.push(echo(c));
      }
    })();
    const clients: Promise<number>[] = [];
    for (let i = 0; i < CONNS; i++) {
      clients.push(
        enter().then(() => Deno.connect({ hostname: "127.0.0.1", port })).then(async (c) => {
          c.setNoDelay(true);
          // bench/ours_async.ts's start line: ping-pong once all clients are connected
          if (--connecting === 0) allConnected();
          await started;
          const sum = await pingpong(c, null, per);
          c.close();
          return sum;
        }),
      );
    }
    const sums = await Promise.all(clients);
    await accepting;
    await Promise.all(servers);
    const t = (performance.now() - t0) / 1000;
    lst.close();
    const hwm = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    console.log(JSON.stringify({
      seconds: t,
      count: CONNS * per,
      checksum: sums.reduce((a, b) => a + b, 0),
      rss: hwm ? Number(hwm[1]) * 1024 : 0,
    }));
  } else {
    throw new Error(`unsupported workload ${w}`);
  }
}

await main();
