/**
 * Two processes pass a descriptor (SCM_RIGHTS). The parent listens on a unix socket
 * and starts a child (this same script with "child"), which connects; the parent
 * sends one end of a socketpair with send_fds; the child writes through the received
 * descriptor and the parent reads it from the other end.
 *
 * Run: deno run -A examples/fd_passing.ts
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

if (process.argv[2] === "child") {
  // The child: connect, receive one descriptor, write through it.
  using s = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
  s.settimeout(10);
  s.connect(process.argv[3]);
  const [msg, fds] = socket.recv_fds(s, 100, 1);
  console.log(`child ${process.pid}: got ${JSON.stringify(dec.decode(msg))} and fd ${fds[0]}`);
  using passed = new socket.socket(null, null, null, fds[0]);
  passed.sendall(enc.encode(`hello from process ${process.pid} through a passed descriptor`));
  s.send(enc.encode("done"));
} else {
  const dir = mkdtempSync(join(tmpdir(), "fd-passing-"));
  try {
    const path = join(dir, "pass.sock");
    using srv = new socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    srv.bind(path);
    srv.listen(1);
    srv.settimeout(120); // only against a hang: the child runtime may be slow to start
    const self = fileURLToPath(import.meta.url);
    const args = /deno[^/]*$/.test(process.execPath) ? ["run", "-A", self] : [self];
    const child = spawn(process.execPath, [...args, "child", path], { stdio: "inherit" });
    const exited = new Promise<number | null>((r) => child.on("close", r));

    const [conn] = srv.accept();
    conn.settimeout(10);
    const [mine, theirs] = socket.socketpair();
    mine.settimeout(10);
    const fd = theirs.fileno();
    socket.send_fds(conn, [enc.encode("a socket for you")], [fd]);
    theirs.close(); // the child has its own copy now
    console.log(`parent ${process.pid}: sent fd ${fd} (closed here)`);
    conn.recv(10); // "done"
    let text = "";
    for (let chunk = mine.recv(1024); chunk.length; chunk = mine.recv(1024)) {
      text += dec.decode(chunk);
    }
    console.log(`parent ${process.pid}: read ${JSON.stringify(text)}`);
    conn.close();
    mine.close();
    process.exitCode = (await exited) ?? 1;
  } finally {
    rmSync(dir, { recursive: true });
  }
}
