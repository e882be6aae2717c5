/**
 * Shared by the resolver tests: runs a table of socket-module calls through the
 * TypeScript port and through python3 (tests/helpers/dns_oracle.py), giving both
 * outcomes in the same JSON form so that they can be compared with deepStrictEqual.
 *
 * @module
 */
import { execFileSync, type ExecFileSyncOptions } from "./host.ts";
import { fileURLToPath } from "node:url";
import * as socket from "../../mod.ts";
import { OSError } from "../../errors.ts";

/** One call: the function's Python name and its arguments. */
export type Case = readonly [fn: string, args: readonly unknown[]];
/** What a call gave: `{ ok: result }` or `{ error: [class, errno, message] }`. */
export type Outcome = { ok: unknown } | { error: [string, number | null, string] };

const functions = socket as unknown as Record<string, (...args: never[]) => unknown>;

/** The async twin of each function that has one. */
export const asyncTwins: Record<string, string> = {
  getaddrinfo: "getaddrinfo_async",
  getnameinfo: "getnameinfo_async",
  gethostbyname: "gethostbyname_async",
  gethostbyname_ex: "gethostbyname_ex_async",
  gethostbyaddr: "gethostbyaddr_async",
};

/** A JS value in the oracle's JSON form (bytes tagged, tuples as arrays). */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { $bytes: Array.from(value, (b) => String.fromCharCode(b)).join("") };
  }
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}

function failure(e: unknown): Outcome {
  if (!(e instanceof Error)) throw e;
  const errno = e instanceof OSError ? e.errno : null;
  return { error: [e.name, errno, e.message] };
}

/** Runs one case through the port, synchronously or through its async twin. */
export async function outcome(c: Case, mode: "sync" | "async" = "sync"): Promise<Outcome> {
  const name = mode === "async" ? asyncTwins[c[0]] : c[0];
  const fn = functions[name] as (...args: unknown[]) => unknown;
  try {
    return { ok: toJson(mode === "async" ? await fn(...c[1]) : fn(...c[1])) };
  } catch (e) {
    return failure(e);
  }
}

/** Runs every case through the port (in order, one at a time). */
export async function outcomes(cases: readonly Case[], mode: "sync" | "async" = "sync") {
  const out: Outcome[] = [];
  for (const c of cases) out.push(await outcome(c, mode));
  return out;
}

/** The oracle script's path. */
export const ORACLE: string = fileURLToPath(new URL("./dns_oracle.py", import.meta.url));

/**
 * Python's outcomes for the cases, or null when python3 is not installed. `command`
 * runs the oracle some other way (inside namespaces): it receives the oracle's path.
 */
export function pythonOutcomes(
  cases: readonly Case[],
  options: ExecFileSyncOptions = {},
): Outcome[] | null {
  try {
    const out = execFileSync("python3", [ORACLE], {
      ...options,
      input: JSON.stringify(cases.map(([fn, args]) => [fn, toJson(args)])),
      encoding: "utf8",
    });
    return JSON.parse(out as string);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
}
