/**
 * Shared pieces of the fuzz and reliability tests: a seeded PRNG, descriptor counting
 * through /proc/self/fd, and running a helper script as a child process on the same
 * runtime (Deno, Node or Bun), optionally wrapped (unshare, prlimit). Works unchanged
 * under the three runtimes, from the sources and from the npm build.
 *
 * @module
 */
import { spawnSync } from "./host.ts";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { scaled } from "./timing.ts";

/** A small, fast, seeded PRNG (mulberry32): same seed, same sequence. */
export class Prng {
  #state: number;
  /** Starts the sequence at `seed` (any 32-bit value). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * The open descriptors of this process (numbers), from /proc/self/fd; none on Windows,
 * which has handles (there the tests that count descriptors skip or do not judge them).
 */
export function openFds(): number[] {
  if (process.platform === "win32") return [];
  return readdirSync("/proc/self/fd").map(Number).filter((n) => Number.isInteger(n));
}

/** How many descriptors this process has open (the directory's own fd excluded). */
export function fdCount(): number {
  // readdirSync opens and closes a descriptor for the directory: it shows up in the list.
  return openFds().filter((fd) => {
    try {
      readlinkSync(`/proc/self/fd/${fd}`);
      return true;
    } catch {
      return false; // the directory's own, already closed
    }
  }).length;
}

/** What descriptor `fd` refers to ("socket:[123]", a path), or null when it is closed. */
export function fdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/** This process's resident set size in KiB (VmRSS). */
export function rssKiB(): number {
  const m = readFileSync("/proc/self/status", "utf8").match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : 0;
}

/** Which runtime runs the tests. */
export const runtime: "deno" | "bun" | "node" =
  // deno-lint-ignore no-explicit-any
  (globalThis as any).Deno ? "deno" : (globalThis as any).Bun ? "bun" : "node";

/** The path of a helper script next to this file (.ts from the sources, .js when built). */
export function helperPath(name: string): string {
  const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  return fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
}

/** Options of {@link runChild}. */
export interface ChildOptions {
  /** Arguments after the script. */
  args?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** A command the runtime is started under (["unshare", "-n"], ["prlimit", ...]). */
  wrap?: string[];
  /** Ask for a callable gc() (Deno/Node: --expose-gc; Bun has Bun.gc). */
  exposeGc?: boolean;
  /** Deno permission flags instead of -A (Deno only). */
  denoFlags?: string[];
  /** Kill after this many ms (default 60 s), times SOCKET_TEST_SLOWDOWN (helpers/timing.ts). */
  timeoutMs?: number;
}

/** The outcome of a child run. */
export interface ChildResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * The command that runs script `file` (TypeScript under Deno and Bun; JavaScript on
 * every runtime) on the current runtime: `deno run -A <file>`, `node <file>`, `bun <file>`.
 */
export function scriptCommand(file: string, args: string[] = []): string[] {
  const pre = runtime === "deno" ? ["run", "-A"] : [];
  return [process.execPath, ...pre, file, ...args];
}

/** The command that runs helper `name` on the current runtime. */
export function childCommand(name: string, options: ChildOptions = {}): string[] {
  const exe = process.execPath;
  const file = helperPath(name);
  let cmd: string[];
  if (runtime === "deno") {
    cmd = [exe, "run", ...(options.denoFlags ?? ["-A"])];
    if (options.exposeGc) cmd.push("--v8-flags=--expose-gc");
    cmd.push(file);
  } else if (runtime === "node") {
    cmd = [exe, ...(options.exposeGc ? ["--expose-gc"] : []), file];
  } else {
    cmd = [exe, file];
  }
  return [...(options.wrap ?? []), ...cmd, ...(options.args ?? [])];
}

/** Runs helper `name` to completion and returns its status and output. */
export function runChild(name: string, options: ChildOptions = {}): ChildResult {
  const [cmd, ...args] = childCommand(name, options);
  const r = spawnSync(cmd, args, {
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: scaled(options.timeoutMs ?? 60_000),
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (r.error ? `\n${r.error.message}` : ""),
  };
}

/** The last line of a child's stdout parsed as JSON (children print one JSON report last). */
export function lastJson<T>(result: ChildResult): T {
  const lines = result.stdout.trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(
      `child printed no JSON report (status ${result.status}, signal ${result.signal})\n` +
        `stdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-4000)}`,
    );
  }
}

/** Whether `unshare -n` (a private network namespace) works here, else the reason. */
export function netnsUnavailable(): string | null {
  const r = spawnSync("unshare", ["-n", "ip", "link", "set", "lo", "up"], { encoding: "utf8" });
  if (r.error) return `unshare: ${r.error.message}`;
  if (r.status !== 0) return `unshare -n not permitted: ${String(r.stderr).trim()}`;
  return null;
}

/** Whether `unshare -mn` (private mount and network namespaces) works here, else the reason. */
export function mountNetnsUnavailable(): string | null {
  const probe = spawnSync("unshare", [
    "-mn",
    "sh",
    "-c",
    "ip link set lo up && mount -t tmpfs x /mnt",
  ]);
  if (probe.error) return `unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -mn not permitted: ${String(probe.stderr).trim()}`;
  return null;
}
