/**
 * Echo client program: the spec's second example, IPv4 and IPv6 through getaddrinfo
 * (the first address that connects wins).
 *
 * Run: deno run -A examples/echo_client_v6.ts [HOST] [PORT]   (defaults: 'daring.cwi.nl', 50007)
 * against examples/echo_server_v6.ts, e.g. `deno run -A examples/echo_client_v6.ts ::1`.
 */
import process from "node:process";
import * as socket from "../mod.ts";

const HOST = process.argv[2] ?? "daring.cwi.nl"; // The remote host
const PORT = Number(process.argv[3] ?? 50007); // The same port as used by the server

function repr(data: Uint8Array): string {
  let out = "b'";
  for (const c of data) {
    if (c === 0x5c || c === 0x27) out += "\\" + String.fromCharCode(c);
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + c.toString(16).padStart(2, "0");
  }
  return out + "'";
}

let s: socket.socket | null = null;
for (
  const [af, socktype, proto, , sa] of socket.getaddrinfo(
    HOST,
    PORT,
    socket.AF_UNSPEC,
    socket.SOCK_STREAM,
  )
) {
  try {
    s = new socket.socket(af, socktype, proto);
  } catch (e) {
    if (!(e instanceof socket.OSError)) throw e;
    s = null;
    continue;
  }
  try {
    s.connect(sa);
  } catch (e) {
    if (!(e instanceof socket.OSError)) throw e;
    s.close();
    s = null;
    continue;
  }
  break;
}
if (s === null) {
  console.log("could not open socket");
  process.exit(1);
}
let data: Uint8Array;
{
  using sock = s;
  sock.sendall(new TextEncoder().encode("Hello, world"));
  data = sock.recv(1024);
}
console.log("Received", repr(data));
