/**
 * The README's demo: the spec's echo server and client, IPv4 (echo_server.ts /
 * echo_client.ts) then IPv4+IPv6 through getaddrinfo over IPv6 (echo_server_v6.ts /
 * echo_client_v6.ts). Each server runs as a child process; the client runs once the
 * server is listening. Prints what the spec's programs print, exits 0.
 *
 * Run: deno run -A examples/demo.ts [PORT]   (default: a free port)
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";

const here = (name: string) => {
  const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  return fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
};
/** The command that runs a script with this same runtime (deno run -A, node or bun). */
function runtime(script: string): [string, string[]] {
  return /deno[^/]*$/.test(process.execPath)
    ? [process.execPath, ["run", "-A", script]]
    : [process.execPath, [script]];
}

function run(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const [cmd, pre] = runtime(here(script));
  const child = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => out += c);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

/** A port nobody uses now (bound and released). */
function freePort(family: number, host: string): number {
  using s = new socket.socket(family, socket.SOCK_STREAM);
  s.bind([host, 0]);
  return (s.getsockname() as [string, number])[1];
}

/**
 * Whether a TCP socket listens on `port`, from the kernel's tables (Linux: /proc/net/tcp
 * and tcp6, state 0A); null where there are none to read.
 */
function listening(port: number): boolean | null {
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let found: boolean | null = null;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      const rows = readFileSync(table, "utf8").split("\n").map((l) => l.trim().split(/\s+/));
      found ||= rows.some((f) => f[1]?.endsWith(local) && f[3] === "0A");
    } catch {
      // not Linux: no such table
    }
  }
  return found;
}

/**
 * Waits until the server listens on `port`, however long its start takes, and fails
 * if it exits first. Without /proc, a plain bind failing (EADDRINUSE) shows the port
 * is taken, and a moment more covers the server's listen() after its bind().
 */
async function waitForListener(
  family: number,
  host: string,
  port: number,
  server: Promise<unknown>,
) {
  let exited = false;
  server.then(() => exited = true);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (;;) {
    if (exited) throw new Error(`the server on ${host} port ${port} exited without listening`);
    const state = listening(port);
    if (state) return;
    if (state === null) {
      try {
        using probe = new socket.socket(family, socket.SOCK_STREAM);
        probe.bind([host, port]);
      } catch (e) {
        if (!(e instanceof socket.OSError && e.code === "EADDRINUSE")) throw e;
        return await pause(100);
      }
    }
    await pause(10);
  }
}

async function pair(
  title: string,
  server: string,
  client: string,
  family: number,
  host: string,
): Promise<boolean> {
  const port = process.argv[2] ? Number(process.argv[2]) : freePort(family, host);
  console.log(`== ${title}: ${server}.ts and ${client}.ts on ${host} port ${port}`);
  const srv = run(server, [host, String(port)]);
  await waitForListener(family, host, port, srv);
  const cli = await run(client, [host, String(port)]);
  const s = await srv;
  process.stdout.write(s.out + cli.out);
  return s.code === 0 && cli.code === 0;
}

const ok4 = await pair("IPv4", "echo_server", "echo_client", socket.AF_INET, "127.0.0.1");
const ok6 = await pair("IPv6", "echo_server_v6", "echo_client_v6", socket.AF_INET6, "::1");
process.exit(ok4 && ok6 ? 0 : 1);
