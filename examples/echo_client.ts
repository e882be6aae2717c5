/**
 * Echo client program: the spec's IPv4 example ("Example" section of socket.rst).
 *
 * Run: deno run -A examples/echo_client.ts [HOST] [PORT]   (defaults: 'daring.cwi.nl', 50007)
 * against examples/echo_server.ts, e.g. `deno run -A examples/echo_client.ts 127.0.0.1`.
 */
import process from "node:process";
import * as socket from "../mod.ts";

const HOST = process.argv[2] ?? "daring.cwi.nl"; // The remote host
const PORT = Number(process.argv[3] ?? 50007); // The same port as used by the server

/** Python's repr of bytes: b'...'. */
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

const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
s.connect([HOST, PORT]);
s.sendall(new TextEncoder().encode("Hello, world"));
const data = s.recv(1024);
s.close();
console.log("Received", repr(data));
