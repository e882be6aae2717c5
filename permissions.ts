/**
 * Opt-in network permission checks for the socket module.
 *
 * `--allow-ffi` gives a Deno program the whole C library: a socket made through this
 * module reaches any host whatever `--allow-net` says, because the runtime's permission
 * system only sees its own APIs. {@link enableNetPermissionChecks} makes `connect`,
 * `connect_ex`, `bind`, `sendto` and `sendmsg` (with an address) of AF_INET and AF_INET6
 * sockets consult `Deno.permissions.querySync({ name: "net", host: "host:port" })`
 * first and raise PermissionError (errno EACCES) when the access is not granted, so
 * `--allow-ffi --allow-net=example.org:443` cannot reach other hosts through this module.
 *
 * The check is a courtesy for cooperating code, not a sandbox: code with `--allow-ffi`
 * can call libc directly. On Node and Bun (no `Deno.permissions`) the default check
 * allows everything; pass your own `check` to enforce a policy there.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { disableNetPermissionChecks, enableNetPermissionChecks } from "./permissions.ts";
 * enableNetPermissionChecks((host, port) => host === "127.0.0.1" && port !== 25);
 * using s = new socket.socket();
 * assert.throws(() => s.connect(["127.0.0.2", 80]), socket.PermissionError);
 * disableNetPermissionChecks();
 * ```
 *
 * @module
 */
import { table } from "./constants/mod.ts";
import { PermissionError } from "./errors.ts";
import { decodeAddress } from "./address.ts";

const AF_INET = table.constants.AF_INET!;
const AF_INET6 = table.constants.AF_INET6!;
const EACCES = table.errno.EACCES!;

/**
 * Decides whether the program may reach (or bind) `host` (numeric: "127.0.0.1", "::1")
 * on `port`. `name` is the host as the caller wrote it, when it was a name rather than
 * a numeric address (Deno grants `--allow-net=example.org:443` by name).
 */
export type NetPermissionCheck = (host: string, port: number, name?: string) => boolean;

/**
 * The hook socket.ts calls after encoding an address: null while checks are off, so the
 * hot path pays a single comparison. Set only through this module's functions.
 */
export let netPermissionHook:
  | ((family: number, sockaddr: Uint8Array, length: number, address: unknown, fn: string) => void)
  | null = null;

interface DenoPermissions {
  querySync?(desc: { name: "net"; host: string }): { state: string };
}

function denoPermissions(): DenoPermissions | undefined {
  // deno-lint-ignore no-explicit-any
  return (globalThis as any).Deno?.permissions;
}

/** Deno's form of a net permission target: "host:port", "[v6]:port". */
function target(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The default check: `Deno.permissions.querySync({ name: "net", host })` on the numeric
 * address and, when the caller gave a name, on the name (as Deno checks names before it
 * resolves them). Outside Deno everything is allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { denoNetPermission } from "./permissions.ts";
 * assert.strictEqual(typeof denoNetPermission("127.0.0.1", 80), "boolean");
 * ```
 */
export function denoNetPermission(host: string, port: number, name?: string): boolean {
  const perms = denoPermissions();
  if (perms?.querySync === undefined) return true;
  const granted = (h: string): boolean => {
    try {
      return perms.querySync!({ name: "net", host: target(h, port) }).state === "granted";
    } catch {
      return false; // a target Deno cannot parse is not granted
    }
  };
  return granted(host) || (name !== undefined && granted(name));
}

/**
 * Raises PermissionError (EACCES) unless `check` allows `host:port`.
 *
 * @example
 * ```ts
 * import { checkNetPermission } from "./permissions.ts";
 * checkNetPermission("127.0.0.1", 80, undefined, () => true); // allowed: no error
 * ```
 */
export function checkNetPermission(
  host: string,
  port: number,
  name?: string,
  check: NetPermissionCheck = denoNetPermission,
  fn = "connect",
): void {
  if (check(host, port, name)) return;
  const shown = name !== undefined ? `${target(name, port)} (${target(host, port)})` : target(
    host,
    port,
  );
  const e = new PermissionError(
    EACCES,
    `Permission denied: requires net access to "${shown}", run again with --allow-net`,
  );
  e.syscall = fn;
  throw e;
}

/**
 * Turns the checks on: from now on connect/connect_ex/bind/sendto/sendmsg of AF_INET and
 * AF_INET6 sockets raise PermissionError when `check` (by default Deno's permission
 * state, see {@link denoNetPermission}) denies the address.
 *
 * @example
 * ```ts
 * import { disableNetPermissionChecks, enableNetPermissionChecks } from "./permissions.ts";
 * enableNetPermissionChecks();
 * disableNetPermissionChecks();
 * ```
 */
export function enableNetPermissionChecks(check: NetPermissionCheck = denoNetPermission): void {
  netPermissionHook = (family, sockaddr, length, address, fn) => {
    if (family !== AF_INET && family !== AF_INET6) return;
    const decoded = decodeAddress(sockaddr, length) as readonly [string, number];
    const given = Array.isArray(address) ? address[0] : undefined;
    const name = typeof given === "string" && given !== "" && given !== decoded[0]
      ? given
      : undefined;
    checkNetPermission(decoded[0], decoded[1], name, check, fn);
  };
}

/**
 * Turns the checks off again (the default).
 *
 * @example
 * ```ts
 * import { disableNetPermissionChecks } from "./permissions.ts";
 * disableNetPermissionChecks();
 * ```
 */
export function disableNetPermissionChecks(): void {
  netPermissionHook = null;
}

/**
 * Whether the checks are on.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { netPermissionChecksEnabled } from "./permissions.ts";
 * assert.strictEqual(netPermissionChecksEnabled(), false);
 * ```
 */
export function netPermissionChecksEnabled(): boolean {
  return netPermissionHook !== null;
}
