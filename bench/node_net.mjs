// Node's own networking API on the benchmark workloads it has (net, dgram, dns.lookup; no
// socketpair): W2-W7, same checksums as bench/c/bench.c. `node bench/node_net.mjs w2 200000`.
// W7: 1,000 concurrent echo connections in one process, `n / 1000` round trips each; the
// result line adds `rss` (peak RSS, bytes: ru_maxrss, which is VmHWM).
import net from "node:net";
import dgram from "node:dgram";
import dns from "node:dns";

const MSG = 64;
const CHUNK = 65536;
const args = process.argv.slice(2);

function report(seconds, count, checksum) {
  console.log(JSON.stringify({ seconds, count, checksum }));
}

/** Calls onMessage(buf64) for every complete 64-byte message arriving on `sock`. */
function framed(sock, onMessage) {
  const pending = Buffer.alloc(MSG);
  let have = 0;
  sock.on("data", (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(MSG - have, chunk.length - off);
      chunk.copy(pending, have, off, off + take);
      have += take;
      off += take;
      if (have === MSG) {
        have = 0;
        onMessage(pending);
      }
    }
  });
}

function listen() {
  return new Promise((resolve) => {
    const server = net.createServer({ noDelay: true });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function connect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(c));
  });
}

/** Client side of the ping-pong: resolves with the checksum after n round trips. */
function pingpong(cli, n) {
  return new Promise((resolve) => {
    const msg = Buffer.alloc(MSG, 7);
    let i = 0;
    let total = 0;
    framed(cli, (buf) => {
      total += MSG + buf[0];
      if (++i === n) return resolve(total);
      msg[0] = i & 255;
      cli.write(Buffer.from(msg));
    });
    msg[0] = 0;
    cli.write(Buffer.from(msg));
  });
}

async function main() {
  const w = args[0];
  if (w === "w2") {
    const n = Number(args[1]);
    const server = await listen();
    server.on("connection", (s) => {
      s.setNoDelay(true);
      framed(s, (buf) => s.write(Buffer.from(buf)));
    });
    const cli = await connect(server.address().port);
    const t0 = performance.now();
    const total = await pingpong(cli, n);
    report((performance.now() - t0) / 1000, n, total);
    cli.destroy();
    server.close();
    process.exit(0);
  } else if (w === "w3-server" || w === "w4-server") {
    const server = await listen();
    console.log(JSON.stringify({ port: server.address().port }));
    server.on("connection", (s) => {
      s.setNoDelay(true);
      server.close();
      if (w === "w3-server") {
        framed(s, (buf) => s.write(Buffer.from(buf)));
        s.on("end", () => s.end());
      } else {
        let total = 0;
        let bad = 0;
        s.on("data", (chunk) => {
          if (chunk[0] !== (total & 255)) bad++;
          total += chunk.length;
        });
        s.on("end", () => {
          const ack = Buffer.alloc(16);
          ack.writeDoubleLE(total, 0);
          ack.writeDoubleLE(bad, 8);
          s.end(ack);
        });
      }
    });
  } else if (w === "w3-client") {
    const cli = await connect(Number(args[1]));
    const n = Number(args[2]);
    const t0 = performance.now();
    const total = await pingpong(cli, n);
    const t = (performance.now() - t0) / 1000;
    cli.end();
    report(t, n, total);
  } else if (w === "w4-client") {
    const cli = await connect(Number(args[1]));
    const nbytes = Number(args[2]);
    const buf = Buffer.alloc(CHUNK);
    for (let i = 0; i < CHUNK; i++) buf[i] = i & 255;
    const acks = [];
    cli.on("data", (c) => acks.push(c));
    const t0 = performance.now();
    let sent = 0;
    await new Promise((resolve) => {
      const pump = () => {
        while (sent < nbytes) {
          const want = Math.min(CHUNK, nbytes - sent);
          sent += want;
          // the same buffer every time: Node does not copy it, it is never modified
          if (!cli.write(want === CHUNK ? buf : buf.subarray(0, want))) {
            cli.once("drain", pump);
            return;
          }
        }
        resolve();
      };
      pump();
    });
    cli.end();
    await new Promise((resolve) => cli.on("end", resolve));
    const t = (performance.now() - t0) / 1000;
    const ack = Buffer.concat(acks);
    const ok = ack.length === 16 && ack.readDoubleLE(8) === 0;
    report(t, nbytes, ok ? ack.readDoubleLE(0) : -1);
  } else if (w === "w5") {
    const n = Number(args[1]);
    const a = dgram.createSocket("udp4");
    const b = dgram.createSocket("udp4");
    await new Promise((r) => a.bind(0, "127.0.0.1", r));
    await new Promise((r) => b.bind(0, "127.0.0.1", r));
    const aport = a.address().port;
    const bport = b.address().port;
    const msg = Buffer.alloc(MSG, 7);
    let i = 0;
    let total = 0;
    const t0 = performance.now();
    await new Promise((resolve) => {
      a.on("message", (data, rinfo) => {
        total += (rinfo.port === bport ? data.length : -1000000) + data[0];
        if (++i === n) return resolve();
        msg[0] = i & 255;
        b.send(msg, aport, "127.0.0.1");
      });
      msg[0] = 0;
      b.send(msg, aport, "127.0.0.1");
    });
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w6") {
    const n = Number(args[1]);
    let ok = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const infos = await dns.promises.lookup("localhost", { all: true, verbatim: true });
      const host = infos[0].address;
      if (host === "127.0.0.1" || host === "::1") ok++;
    }
    report((performance.now() - t0) / 1000, n, ok);
  } else if (w === "w7") {
    const CONNS = 1000;
    const per = Math.max(1, Math.round(Number(args[1]) / CONNS));
    // the connect gate of bench/ours_async.ts: at most 64 connections waiting to be accepted
    let open = 64;
    const queue = [];
    const enter = () => open > 0 ? (open--, Promise.resolve()) : new Promise((r) => queue.push(r));
    const server = net.createServer({ noDelay: true }, (s) => {
      const next = queue.shift();
      if (next) next();
      else open++;
      s.setNoDelay(true);
      framed(s, (buf) => s.write(Buffer.from(buf)));
      s.on("end", () => s.end());
    });
    await new Promise((r) => server.listen({ port: 0, host: "127.0.0.1", backlog: CONNS + 24 }, r));
    const port = server.address().port;
    let connecting = CONNS;
    let allConnected;
    const started = new Promise((resolve) => allConnected = resolve);
    const t0 = performance.now();
    const sums = await Promise.all(
      Array.from({ length: CONNS }, async () => {
        await enter();
        const c = await connect(port);
        // bench/ours_async.ts's start line: ping-pong once all clients are connected
        if (--connecting === 0) allConnected();
        await started;
        const sum = await pingpong(c, per);
        c.end();
        return sum;
      }),
    );
    const t = (performance.now() - t0) / 1000;
    server.close();
    console.log(JSON.stringify({
      seconds: t,
      count: CONNS * per,
      checksum: sums.reduce((a, b) => a + b, 0),
      rss: process.resourceUsage().maxRSS * 1024,
    }));
    process.exit(0);
  } else {
    throw new Error(`unsupported workload ${w}`);
  }
}

await main();
