/**
 * ICMP echo ("ping") to 127.0.0.1 over a raw socket (root or CAP_NET_RAW), with
 * the checksum computed here and the replies matched by identifier and sequence.
 *
 * Run: deno run -A examples/icmp_ping.ts [COUNT] [HOST]   (defaults: 3, 127.0.0.1)
 */
import process from "node:process";
import * as socket from "../mod.ts";

const count = Number(process.argv[2] ?? 3);
const host = process.argv[3] ?? "127.0.0.1";
const ident = process.pid & 0xffff;

function checksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] << 8) + (data[i + 1] ?? 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function echoRequest(seq: number): Uint8Array {
  const packet = new Uint8Array(64); // 8 header bytes + 56 payload, as ping's default
  const dv = new DataView(packet.buffer);
  dv.setUint8(0, 8); // type: echo request
  dv.setUint16(4, ident);
  dv.setUint16(6, seq);
  for (let i = 8; i < packet.length; i++) packet[i] = i;
  dv.setUint16(2, checksum(packet));
  return packet;
}

using s = new socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP);
s.settimeout(2);
console.log(`PING ${host}: 56 data bytes`);
let received = 0;
for (let seq = 1; seq <= count; seq++) {
  const start = performance.now();
  s.sendto(echoRequest(seq), [host, 0]);
  try {
    for (;;) {
      // a raw socket sees the IP header, and on loopback our own requests too
      const [packet, from] = s.recvfrom(1024);
      const ihl = (packet[0] & 0x0f) * 4;
      const icmp = new DataView(packet.buffer, ihl);
      if (icmp.getUint8(0) !== 0 || icmp.getUint16(4) !== ident || icmp.getUint16(6) !== seq) {
        continue;
      }
      const ms = performance.now() - start;
      console.log(
        `${packet.length - ihl} bytes from ${(from as [string, number])[0]}: icmp_seq=${seq} ttl=${
          packet[8]
        } time=${ms.toFixed(3)} ms`,
      );
      received++;
      break;
    }
  } catch (e) {
    if (!(e instanceof socket.TimeoutError)) throw e;
    console.log(`no reply for icmp_seq=${seq}`);
  }
}
console.log(`${count} packets transmitted, ${received} received`);
process.exitCode = received === count ? 0 : 1;
