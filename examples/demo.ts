/**
 * The README's demo: the spec's echo server and client, IPv4 (echo_server.ts /
 * echo_client.ts) then IPv4+IPv6 through getaddrinfo over IPv6 (echo_server_v6.ts /
 * echo_client_v6.ts). Each server runs as a child process; the client runs once the
 * server is listening. Prints what the spec's programs print, exits 0.
 *
 * Run: deno run -A examples/demo.ts [PORT]   (default: a free port)
 */
import { spawn } from "node:child_process";
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

/** Waits until something holds `port`: a bind without SO_REUSEADDR fails then. */
async function waitForListener(family: number, host: string, port: number): Promise<void> {
  // Up to ~30 s: a child runtime can take seconds to start (under emulation, Wine, load).
  for (let i = 0; i < 1200; i++) {
    try {
      using probe = new socket.socket(family, socket.SOCK_STREAM);
      probe.bind([host, port]);
    } catch (e) {
      if (e instanceof socket.OSError && e.code === "EADDRINUSE") {
        await new Promise((r) => setTimeout(r, 50)); // bind comes just before listen
        return;
      }
      throw e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${host} port ${port}`);
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
  await waitForListener(family, host, port);
  const cli = await run(client, [host, String(port)]);
  const s = await srv;
  process.stdout.write(s.out + cli.out);
  return s.code === 0 && cli.code === 0;
}

const ok4 = await pair("IPv4", "echo_server", "echo_client", socket.AF_INET, "127.0.0.1");
const ok6 = await pair("IPv6", "echo_server_v6", "echo_client_v6", socket.AF_INET6, "::1");
process.exit(ok4 && ok6 ? 0 : 1);
