/**
 * `execFileSync`, `spawnSync` and `spawn` for the tests, as node:child_process's. Under
 * Wine (SOCKET_TEST_HOST_EXEC set by scripts/run_windows.sh) a Windows process cannot
 * start host programs (python3, the oracle and the peers; sh; ss), so those run on the
 * host through tests/helpers/wine_host_exec.py, over a loopback connection; the
 * runtime itself (process.execPath, any .exe) is still started directly. Elsewhere
 * these are node:child_process's own functions.
 *
 * @module
 */
import * as cp from "node:child_process";
import { EventEmitter } from "node:events";
import process from "node:process";
import { PassThrough } from "node:stream";
import { Buffer } from "node:buffer";
import * as socket from "../../mod.ts";
import { sock_recv } from "../../asyncio.ts";

export type { ChildProcess, ExecFileSyncOptions, SpawnOptions } from "node:child_process";

/** The bridge's port; 0 when there is none (or the env cannot be read: no --allow-env). */
const PORT = (() => {
  try {
    return Number(process.env.SOCKET_TEST_HOST_EXEC ?? 0);
  } catch {
    return 0;
  }
})();

/** Whether `cmd` must go through the host bridge. */
function onHost(cmd: string): boolean {
  return PORT > 0 && cmd !== process.execPath && !/\.exe$/i.test(cmd);
}

interface Frames {
  out: Buffer[];
  err: Buffer[];
  code: number | null;
}

/** Parses the frames in `buf` (from `at`); returns where the unparsed rest starts. */
function parse(buf: Buffer, frames: Frames, onFrame?: (kind: string, data: Buffer) => void) {
  let at = 0;
  for (;;) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) return at;
    const [kind, n] = buf.subarray(at, nl).toString().split(" ");
    if (kind === "X") {
      frames.code = Number(n);
      return nl + 1;
    }
    const end = nl + 1 + Number(n);
    if (buf.length < end) return at;
    const data = buf.subarray(nl + 1, end);
    (kind === "O" ? frames.out : frames.err).push(data);
    onFrame?.(kind, data);
    at = end;
  }
}

function request(cmd: string, args: readonly string[], input?: string): Buffer {
  return Buffer.from(JSON.stringify({ argv: [cmd, ...args], input: input ?? null }) + "\n");
}

interface SyncResult {
  status: number | null;
  stdout: string | Buffer;
  stderr: string | Buffer;
  error?: Error;
}

function runOnHost(
  cmd: string,
  args: readonly string[],
  options: { input?: string; encoding?: string; timeout?: number } = {},
): SyncResult {
  const s = socket.create_connection(["127.0.0.1", PORT]);
  try {
    if (options.timeout) s.settimeout(options.timeout / 1000);
    s.sendall(request(cmd, args, options.input));
    const frames: Frames = { out: [], err: [], code: null };
    let pending = Buffer.alloc(0);
    while (frames.code === null) {
      const chunk = s.recv(65536);
      if (chunk.length === 0) break;
      pending = Buffer.concat([pending, chunk]);
      pending = pending.subarray(parse(pending, frames));
    }
    const out = Buffer.concat(frames.out);
    const err = Buffer.concat(frames.err);
    const text = options.encoding !== undefined && options.encoding !== "buffer";
    return {
      status: frames.code,
      stdout: text ? out.toString() : out,
      stderr: text ? err.toString() : err,
    };
  } finally {
    s.close();
  }
}

/** node:child_process's execFileSync (host programs through the bridge under Wine). */
export const execFileSync: typeof cp.execFileSync = ((
  cmd: string,
  args: readonly string[] = [],
  options: { input?: string; encoding?: string } = {},
) => {
  if (!onHost(cmd)) return cp.execFileSync(cmd, args, options as cp.ExecFileSyncOptions);
  const r = runOnHost(cmd, args, options);
  if (r.status !== 0) {
    throw Object.assign(new Error(`Command failed: ${cmd} ${args.join(" ")}\n${r.stderr}`), r);
  }
  return r.stdout;
}) as typeof cp.execFileSync;

/** node:child_process's spawnSync (host programs through the bridge under Wine). */
export const spawnSync: typeof cp.spawnSync = ((
  cmd: string,
  args: readonly string[] = [],
  options: { input?: string; encoding?: string; timeout?: number } = {},
) => {
  if (!onHost(cmd)) return cp.spawnSync(cmd, args, options as cp.SpawnSyncOptions);
  try {
    return runOnHost(cmd, args, options);
  } catch (error) {
    return { status: null, stdout: "", stderr: "", error };
  }
}) as typeof cp.spawnSync;

/**
 * What the tests use of a ChildProcess, for a host program run through the bridge. The
 * request goes out synchronously (a test may block the event loop right after spawn(),
 * in a blocking accept() the program is to connect to); the output is read with this
 * module's own asyncio functions.
 */
class HostChild extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = null;
  exitCode: number | null = null;
  signalCode: string | null = null;
  killed = false;
  readonly pid = 0;
  readonly #sock: socket.socket;

  constructor(cmd: string, args: readonly string[]) {
    super();
    this.#sock = socket.create_connection(["127.0.0.1", PORT]);
    this.#sock.sendall(request(cmd, args));
    this.#sock.setblocking(false);
    this.#pump().catch((e) => {
      if (this.exitCode === null && this.signalCode === null) this.#exit(null, "SIGKILL", e);
    });
  }

  async #pump(): Promise<void> {
    const frames: Frames = { out: [], err: [], code: null };
    let pending = Buffer.alloc(0);
    while (frames.code === null) {
      const chunk = await sock_recv(this.#sock, 65536);
      if (chunk.length === 0) break;
      pending = Buffer.concat([pending, chunk]);
      pending = pending.subarray(
        parse(pending, frames, (kind, data) => {
          (kind === "O" ? this.stdout : this.stderr).write(data);
        }),
      );
      frames.out.length = frames.err.length = 0;
    }
    this.#exit(frames.code, frames.code === null ? "SIGKILL" : null);
  }

  #exit(code: number | null, signal: string | null, _cause?: unknown): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdout.end();
    this.stderr.end();
    this.#sock.close();
    this.emit("exit", code, signal);
    this.emit("close", code, signal);
  }

  kill(_signal?: string): boolean {
    this.killed = true;
    this.#exit(null, "SIGKILL"); // closing the connection kills the program
    return true;
  }

  ref(): void {}

  unref(): void {}
}

/** node:child_process's spawn (host programs through the bridge under Wine). */
export const spawn: typeof cp.spawn = ((
  cmd: string,
  args: readonly string[] = [],
  options: cp.SpawnOptions = {},
) => {
  if (!onHost(cmd)) return cp.spawn(cmd, args, options);
  return new HostChild(cmd, args);
}) as unknown as typeof cp.spawn;
