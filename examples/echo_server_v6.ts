/**
 * Echo server program: the spec's second example, IPv4 and IPv6 through getaddrinfo
 * (the first address that binds wins), serving one client.
 *
 * Run: deno run -A examples/echo_server_v6.ts [HOST] [PORT]   (defaults: None and 50007)
 * Then: deno run -A examples/echo_client_v6.ts ::1
 */
import process from "node:process";
import * as socket from "../mod.ts";

const HOST = process.argv[2] ?? null; // Symbolic name meaning all available interfaces
const PORT = Number(process.argv[3] ?? 50007); // Arbitrary non-privileged port

function repr(address: unknown): string {
  if (!Array.isArray(address)) return `'${address}'`;
  return "(" + address.map((v) => typeof v === "string" ? `'${v}'` : String(v)).join(", ") + ")";
}

let s: socket.socket | null = null;
for (
  const [af, socktype, proto, , sa] of socket.getaddrinfo(
    HOST,
    PORT,
    socket.AF_UNSPEC,
    socket.SOCK_STREAM,
    0,
    socket.AI_PASSIVE,
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
    s.bind(sa);
    s.listen(1);
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
const [conn, addr] = s.accept();
{
  using _conn = conn;
  console.log("Connected by", repr(addr));
  while (true) {
    const data = conn.recv(1024);
    if (data.length === 0) break;
    conn.send(data);
  }
}
s.close();
