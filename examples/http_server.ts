/**
 * A small HTTP/1.1 server on the async API: keep-alive, `Content-Length` bodies,
 * answers `GET /` with a greeting and any other path with 404.
 *
 * `deno run -A examples/http_server.ts [port]` serves until interrupted (try
 * `curl http://127.0.0.1:8080/`); `--self-test` starts it on a free loopback port,
 * queries it (with curl when installed, else with our own client), checks the answers
 * and exits.
 *
 * @module
 */
import process from "node:process";
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";
import { sock_accept, sock_connect, sock_recv, sock_sendall } from "../asyncio.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function response(status: string, body: string, keepAlive: boolean): Uint8Array {
  const bytes = enc.encode(body);
  return enc.encode(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n` +
      `\r\n${body}`,
  );
}

/** Serves one connection: requests in order until the client closes. */
async function handle(conn: socket.socket): Promise<void> {
  let pending = "";
  try {
    for (;;) {
      let end = pending.indexOf("\r\n\r\n");
      while (end < 0) {
        const chunk = await sock_recv(conn, 16384, { signal: AbortSignal.timeout(30_000) });
        if (chunk.length === 0) return;
        pending += dec.decode(chunk);
        end = pending.indexOf("\r\n\r\n");
        if (end < 0 && pending.length > 65536) return;
      }
      const head = pending.slice(0, end).split("\r\n");
      const [method, path, version] = head[0].split(" ");
      const headers = new Map(
        head.slice(1).map((l) => {
          const i = l.indexOf(":");
          return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
        }),
      );
      const length = Number(headers.get("content-length") ?? 0);
      while (enc.encode(pending.slice(end + 4)).length < length) {
        const chunk = await sock_recv(conn, 16384);
        if (chunk.length === 0) return;
        pending += dec.decode(chunk);
      }
      pending = pending.slice(end + 4 + length);
      const keepAlive = version === "HTTP/1.1" && headers.get("connection") !== "close";
      const reply = method === "GET" && path === "/"
        ? response("200 OK", "hello from socket\n", keepAlive)
        : response("404 Not Found", `no ${path}\n`, keepAlive);
      await sock_sendall(conn, reply);
      if (!keepAlive) return;
    }
  } catch (e) {
    if (!(e instanceof socket.ConnectionError) && (e as Error).name !== "TimeoutError") throw e;
  } finally {
    conn.close();
  }
}

/**
 * Accepts connections until `signal` aborts. One failed accept (ECONNABORTED; EMFILE and
 * other shortages, after a pause) does not stop the server; a broken listener does.
 */
export async function serve(srv: socket.socket, signal?: AbortSignal): Promise<void> {
  srv.setblocking(false);
  for (;;) {
    let conn: socket.socket;
    try {
      [conn] = await sock_accept(srv, { signal });
    } catch (e) {
      if (signal?.aborted) return;
      if (
        !(e instanceof socket.OSError) || ["EBADF", "EINVAL", "ENOTSOCK"].includes(e.code ?? "")
      ) {
        throw e;
      }
      if (!(e instanceof socket.ConnectionError)) {
        console.error("accept failed:", e.message);
        await new Promise((r) => setTimeout(r, 100));
      }
      continue;
    }
    handle(conn).catch((e) => console.error("connection failed:", e));
  }
}

/** One request with our own client: the status line and body. */
async function get(address: socket.SockAddr, path: string): Promise<[string, string]> {
  const s = new socket.socket();
  s.setblocking(false);
  await sock_connect(s, address);
  await sock_sendall(s, enc.encode(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  let text = "";
  for (;;) {
    const chunk = await sock_recv(s, 4096);
    if (chunk.length === 0) break;
    text += dec.decode(chunk);
  }
  s.close();
  return [text.split("\r\n")[0], text.slice(text.indexOf("\r\n\r\n") + 4)];
}

function curl(url: string): Promise<string | null> {
  return new Promise((resolve) =>
    execFile(
      "curl",
      ["-s", "-w", "%{http_code} %{num_connects}\n", url, url],
      { encoding: "utf8" },
      (error, stdout) => resolve(error ? null : stdout), // null: failed, or no curl
    )
  );
}

async function selfTest(): Promise<void> {
  const srv = socket.create_server(["127.0.0.1", 0]);
  const stop = new AbortController();
  const serving = serve(srv, stop.signal);
  const addr = srv.getsockname();
  const [status, body] = await get(addr, "/");
  if (status !== "HTTP/1.1 200 OK" || body !== "hello from socket\n") {
    throw new Error(`bad answer: ${status} ${body}`);
  }
  const [missing] = await get(addr, "/nope");
  if (missing !== "HTTP/1.1 404 Not Found") throw new Error(`bad answer: ${missing}`);
  const port = (addr as [string, number])[1];
  const viaCurl = await curl(`http://127.0.0.1:${port}/`);
  if (viaCurl !== null) {
    // Two requests, the second on the first one's connection (0 new connects).
    if (viaCurl !== "hello from socket\n200 1\nhello from socket\n200 0\n") {
      throw new Error(`bad curl answer: ${JSON.stringify(viaCurl)}`);
    }
    console.log("curl: ok (2 requests, keep-alive)");
  }
  stop.abort();
  await serving;
  srv.close();
  console.log("self-test ok");
}

/** Whether this file is the program being run (Node before 24 has no `import.meta.main`). */
const isMain = import.meta.main ??
  (process.argv[1] !== undefined &&
    realpathSync(process.argv[1]) === fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

if (isMain) {
  if (args.includes("--self-test")) {
    await selfTest();
  } else {
    const port = Number(args[0] ?? 8080);
    const srv = socket.create_server(["127.0.0.1", port]);
    console.log(`HTTP server on http://127.0.0.1:${port}/`);
    await serve(srv);
  }
}
