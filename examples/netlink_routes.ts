/**
 * The routing table over NETLINK_ROUTE: an RTM_GETROUTE dump request, then the
 * RTM_NEWROUTE answers parsed into destination, gateway and device, printed in the
 * manner of `ip route`.
 *
 * Run: deno run -A examples/netlink_routes.ts [all]   (default: the main table only)
 */
import process from "node:process";
import * as socket from "../mod.ts";

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_TABLE = 15;
const RT_TABLE_MAIN = 254;
const tableNames: Record<number, string> = { 253: "default", 254: "main", 255: "local" };
const showAll = process.argv[2] === "all";

const align = (n: number) => (n + 3) & ~3;

using s = new socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE);
s.bind([0, 0]);
s.settimeout(5);

// struct nlmsghdr (16 bytes) + struct rtmsg (12 bytes), family AF_UNSPEC: IPv4 and IPv6
const request = new Uint8Array(28);
const rq = new DataView(request.buffer);
rq.setUint32(0, request.length, true);
rq.setUint16(4, RTM_GETROUTE, true);
rq.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, true);
rq.setUint32(8, 1, true); // sequence number
s.sendto(request, [0, 0]); // to the kernel

const lines: string[] = [];
let done = false;
while (!done) {
  const data = s.recv(65536);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off + 16 <= data.length;) {
    const len = dv.getUint32(off, true);
    const type = dv.getUint16(off + 4, true);
    if (len < 16) break;
    if (type === NLMSG_DONE) {
      done = true;
      break;
    }
    if (type === NLMSG_ERROR) throw new Error(`netlink error ${-dv.getInt32(off + 16, true)}`);
    if (type === RTM_NEWROUTE) {
      const r = off + 16;
      const family = data[r];
      const dstLen = data[r + 1];
      let table = data[r + 4];
      let dst: string | null = null;
      let gateway: string | null = null;
      let oif = 0;
      for (let a = r + 12; a + 4 <= off + len;) {
        const alen = dv.getUint16(a, true);
        const atype = dv.getUint16(a + 2, true);
        if (alen < 4) break;
        const value = data.subarray(a + 4, a + alen);
        if (atype === RTA_DST) dst = socket.inet_ntop(family, value);
        else if (atype === RTA_GATEWAY) gateway = socket.inet_ntop(family, value);
        else if (atype === RTA_OIF) {
          oif = new DataView(value.buffer, value.byteOffset).getInt32(0, true);
        } else if (atype === RTA_TABLE) {
          table = new DataView(value.buffer, value.byteOffset).getUint32(0, true);
        }
        a += align(alen);
      }
      if (showAll || table === RT_TABLE_MAIN) {
        let line = dst === null
          ? "default"
          : dstLen === (family === socket.AF_INET ? 32 : 128)
          ? dst
          : `${dst}/${dstLen}`;
        if (gateway) line += ` via ${gateway}`;
        if (oif) line += ` dev ${socket.if_indextoname(oif)}`;
        if (showAll) line += ` table ${tableNames[table] ?? table}`;
        lines.push(line);
      }
    }
    off += align(len);
  }
}
for (const line of lines) console.log(line);
