/**
 * Counts the packets on the loopback interface with an AF_PACKET socket (root or
 * CAP_NET_RAW) for a few seconds, while sending itself some UDP datagrams over
 * loopback to have something to see; reports how many of them it captured.
 *
 * Run: deno run -A examples/packet_counter.ts [SECONDS] [DATAGRAMS]   (defaults: 1, 10)
 */
import process from "node:process";
import * as socket from "../mod.ts";

const seconds = Number(process.argv[2] ?? 1);
const datagrams = Number(process.argv[3] ?? 10);
const ETH_P_ALL = 0x0003;
const ETH_P_IP = 0x0800;
const PACKET_OUTGOING = 4;

using capture = new socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL));
capture.bind(["lo", ETH_P_ALL]);
// room for a busy loopback while we are still sending
capture.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22);

using receiver = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
receiver.bind(["127.0.0.1", 0]);
const port = (receiver.getsockname() as [string, number])[1];
using sender = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
for (let i = 0; i < datagrams; i++) {
  sender.sendto(new TextEncoder().encode(`packet ${i}`), ["127.0.0.1", port]);
}

let total = 0;
let ours = 0;
const deadline = performance.now() + seconds * 1000;
for (;;) {
  const left = (deadline - performance.now()) / 1000;
  if (left <= 0) break;
  capture.settimeout(left);
  let frame: Uint8Array;
  let from: unknown;
  try {
    [frame, from] = capture.recvfrom(65536);
  } catch (e) {
    if (e instanceof socket.TimeoutError) break;
    throw e;
  }
  const [, , pkttype] = from as [string, number, number];
  if (pkttype === PACKET_OUTGOING) continue; // loopback shows each packet twice
  total++;
  // Ethernet header (14 bytes, zero addresses on lo), then IPv4 and UDP
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 14 + 20 + 8 || dv.getUint16(12) !== ETH_P_IP) continue;
  const ihl = (frame[14] & 0x0f) * 4;
  if (frame[14 + 9] === socket.IPPROTO_UDP && dv.getUint16(14 + ihl + 2) === port) ours++;
}
console.log(`lo: ${total} packets in ${seconds} s`);
console.log(`captured ${ours} of our ${datagrams} UDP datagrams to port ${port}`);
process.exitCode = ours === datagrams ? 0 : 1;
