/**
 * Echo server program: the spec's IPv4 example ("Example" section of socket.rst),
 * serving one client.
 *
 * Run: deno run -A examples/echo_server.ts [HOST] [PORT]   (defaults: '' and 50007)
 * Then, in another terminal: deno run -A examples/echo_client.ts 127.0.0.1
 */
import process from "node:process";
import * as socket from "../mod.ts";

const HOST = process.argv[2] ?? ""; // Symbolic name meaning all available interfaces
const PORT = Number(process.argv[3] ?? 50007); // Arbitrary non-privileged port

/** Python's repr of an address tuple, so the output is the Python program's. */
function repr(address: unknown): string {
  if (!Array.isArray(address)) return `'${address}'`;
  return "(" + address.map((v) => typeof v === "string" ? `'${v}'` : String(v)).join(", ") + ")";
}

const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
s.bind([HOST, PORT]);
s.listen(1);
const [conn, addr] = s.accept();
console.log("Connected by", repr(addr));
while (true) {
  const data = conn.recv(1024);
  if (data.length === 0) break;
  conn.sendall(data);
}
conn.close();
s.close();
