/**
 * Our sync socket object on the benchmark workloads (same workloads and checksums as
 * bench/c/bench.c). Runs under Deno as is (`deno run -A bench/ours_sync.ts w1 500000`);
 * bench/run.ts transpiles it to bench/build/ours_sync.mjs against npm/esm for Node and Bun.
 *
 * @module
 */
import * as socket from "../mod.ts";

const MSG = 64;
const CHUNK = 65536;

type Proc = { argv: string[] };
const args: string[] = typeof Deno !== "undefined"
  ? Deno.args
  : (globalThis as unknown as { process: Proc }).process.argv.slice(2);

function report(seconds: number, count: number, checksum: number): void {
  console.log(JSON.stringify({ seconds, count, checksum }));
}

/** Reads until `buf` is full or EOF; returns the byte count. */
function recvExact(s: socket.socket, buf: Uint8Array): number {
  let got = 0;
  while (got < buf.length) {
    const r = s.recv_into(buf.subarray(got));
    if (r === 0) break;
    got += r;
  }
  return got;
}

/** Two UDP sockets bound to loopback ports (W5, W9). */
function udpPair(): [socket.socket, socket.socket] {
  const pair: [socket.socket, socket.socket] = [
    new socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
    new socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
  ];
  for (const s of pair) s.bind(["127.0.0.1", 0]);
  return pair;
}

function nodelay(s: socket.socket): void {
  s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
}

function listener(): socket.socket {
  const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  s.bind(["127.0.0.1", 0]);
  s.listen(16);
  return s;
}

function connectTo(port: number): socket.socket {
  const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  s.connect(["127.0.0.1", port]);
  nodelay(s);
  return s;
}

function pingpong(cli: socket.socket, srv: socket.socket | null, n: number): number {
  const msg = new Uint8Array(MSG).fill(7);
  const buf = new Uint8Array(MSG);
  const sbuf = new Uint8Array(MSG);
  let total = 0;
  for (let i = 0; i < n; i++) {
    msg[0] = i & 255;
    cli.send(msg);
    if (srv !== null) {
      let g = srv.recv_into(sbuf);
      if (g < MSG) g += recvExact(srv, sbuf.subarray(g));
      srv.send(sbuf);
    }
    let got = cli.recv_into(buf);
    if (got < MSG) got += recvExact(cli, buf.subarray(got));
    total += got + buf[0];
  }
  return total;
}

function main(): void {
  const w = args[0];
  if (w === "w1") {
    const n = Number(args[1]);
    const [a, b] = socket.socketpair();
    const msg = new Uint8Array(MSG).fill(7);
    const buf = new Uint8Array(MSG);
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      msg[0] = i & 255;
      a.send(msg);
      let got = b.recv_into(buf);
      if (got < MSG) got += recvExact(b, buf.subarray(got));
      total += got + buf[0];
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w2") {
    const n = Number(args[1]);
    const lst = listener();
    const cli = connectTo((lst.getsockname() as [string, number])[1]);
    const [srv] = lst.accept();
    nodelay(srv);
    const t0 = performance.now();
    const total = pingpong(cli, srv, n);
    report((performance.now() - t0) / 1000, n, total);
    for (const s of [cli, srv, lst]) s.close();
  } else if (w === "w3-server" || w === "w4-server") {
    const lst = listener();
    console.log(JSON.stringify({ port: (lst.getsockname() as [string, number])[1] }));
    const [c] = lst.accept();
    nodelay(c);
    if (w === "w3-server") {
      const buf = new Uint8Array(MSG);
      while (recvExact(c, buf) === MSG) c.send(buf);
    } else {
      const buf = new Uint8Array(CHUNK);
      let total = 0;
      let bad = 0;
      for (;;) {
        const r = c.recv_into(buf);
        if (r === 0) break;
        if (buf[0] !== (total & 255)) bad++;
        total += r;
      }
      const ack = new Float64Array([total, bad]);
      c.sendall(new Uint8Array(ack.buffer));
    }
    c.close();
    lst.close();
  } else if (w === "w3-client") {
    const cli = connectTo(Number(args[1]));
    const n = Number(args[2]);
    const t0 = performance.now();
    const total = pingpong(cli, null, n);
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, n, total);
  } else if (w === "w4-client") {
    const cli = connectTo(Number(args[1]));
    const nbytes = Number(args[2]);
    const buf = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) buf[i] = i & 255;
    const t0 = performance.now();
    let sent = 0;
    while (sent < nbytes) {
      const want = Math.min(CHUNK, nbytes - sent);
      cli.sendall(want === CHUNK ? buf : buf.subarray(0, want));
      sent += want;
    }
    cli.shutdown(socket.SHUT_WR);
    const ack = new Float64Array(2);
    if (recvExact(cli, new Uint8Array(ack.buffer)) !== 16) throw new Error("short ack");
    const t = (performance.now() - t0) / 1000;
    cli.close();
    report(t, nbytes, ack[1] === 0 ? ack[0] : -1);
  } else if (w === "w5") {
    const n = Number(args[1]);
    const [a, b] = udpPair();
    const aaddr = a.getsockname();
    const bport = (b.getsockname() as [string, number])[1];
    const msg = new Uint8Array(MSG).fill(7);
    const buf = new Uint8Array(MSG);
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      msg[0] = i & 255;
      b.sendto(msg, aaddr);
      const [r, from] = a.recvfrom_into(buf);
      total += ((from as [string, number])[1] === bport ? r : -1000000) + buf[0];
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w9") {
    // W9: batches of 64 datagrams, one sendmmsg and as few recvmmsg as it takes (mmsg.ts).
    const n = Number(args[1]);
    const [a, b] = udpPair();
    const aaddr = a.getsockname();
    const bport = (b.getsockname() as [string, number])[1];
    const out = new socket.MessageBatch(64, MSG);
    const into = new socket.MessageBatch(64, MSG);
    for (let j = 0; j < 64; j++) {
      out.slots[j].fill(7);
      out.setAddress(j, aaddr, socket.AF_INET);
    }
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 64) {
      const k = Math.min(64, n - i);
      for (let j = 0; j < k; j++) out.slots[j][0] = (i + j) & 255;
      if (socket.sendmmsg(b, out, k) !== k) throw new Error("short sendmmsg");
      for (let got = 0; got < k;) {
        const r = socket.recvmmsg(a, into, k - got);
        for (let j = 0; j < r; j++) {
          const from = into.address(j) as [string, number];
          total += (from[1] === bport ? into.nbytes(j) : -1000000) + into.slots[j][0];
        }
        got += r;
      }
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w9-gso") {
    // W9 with UDP GSO/GRO through the Python API (setsockopt, sendto, recvfrom_into): one
    // sendto carries the batch, cut by the kernel into 64 B datagrams (UDP_SEGMENT, 103);
    // UDP_GRO (104) hands them back coalesced, each MSG bytes (the segment size).
    const n = Number(args[1]);
    const [a, b] = udpPair();
    b.setsockopt(socket.SOL_UDP, 103, MSG);
    a.setsockopt(socket.SOL_UDP, 104, 1);
    const aaddr = a.getsockname();
    const bport = (b.getsockname() as [string, number])[1];
    const out = new Uint8Array(64 * MSG).fill(7);
    const buf = new Uint8Array(65536);
    let total = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 64) {
      const k = Math.min(64, n - i);
      for (let j = 0; j < k; j++) out[j * MSG] = (i + j) & 255;
      b.sendto(k === 64 ? out : out.subarray(0, k * MSG), aaddr);
      for (let got = 0; got < k;) {
        const [r, from] = a.recvfrom_into(buf);
        const ok = (from as [string, number])[1] === bport;
        for (let off = 0; off < r; off += MSG, got++) {
          total += (ok ? Math.min(MSG, r - off) : -1000000) + buf[off];
        }
      }
    }
    report((performance.now() - t0) / 1000, n, total);
    a.close();
    b.close();
  } else if (w === "w6") {
    const n = Number(args[1]);
    let ok = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const infos = socket.getaddrinfo("localhost", 80);
      const host = (infos[0][4] as [string, number])[0];
      if (host === "127.0.0.1" || host === "::1") ok++;
    }
    report((performance.now() - t0) / 1000, n, ok);
  } else {
    throw new Error(`unknown workload ${w}`);
  }
}

main();
