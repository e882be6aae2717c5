/**
 * The constants table of the running platform, chosen among the generated
 * per-platform tables (see `scripts/gen_constants.ts`).
 *
 * Every table is imported statically: a top-level await over dynamic imports would load
 * only one, but makes the package impossible to `require()` (Node refuses ES modules with
 * top-level await). Each unused table costs ~70 KB of heap on Deno, 60-120 KB on Node.
 *
 * @module
 */
import { platformId } from "../ffi/platform.ts";
import type { PlatformTable } from "./types.ts";
import { table as darwin_aarch64 } from "./darwin_aarch64.ts";
import { table as darwin_x86_64 } from "./darwin_x86_64.ts";
import { table as linux_aarch64_gnu } from "./linux_aarch64_gnu.ts";
import { table as linux_aarch64_musl } from "./linux_aarch64_musl.ts";
import { table as linux_x86_64_gnu } from "./linux_x86_64_gnu.ts";
import { table as linux_x86_64_musl } from "./linux_x86_64_musl.ts";
import { table as windows_x86_64 } from "./windows_x86_64.ts";
import { WINDOWS_LAYOUTS, WINDOWS_SYS } from "../ffi/windows.ts";

export type { Layouts, PlatformTable, StructLayout } from "./types.ts";

/** Every generated platform table, by platform id. */
export const platformTables: Readonly<Record<string, PlatformTable>> = {
  darwin_aarch64,
  darwin_x86_64,
  linux_aarch64_gnu,
  linux_aarch64_musl,
  linux_x86_64_gnu,
  linux_x86_64_musl,
  // Winsock's layouts (WindowsLayouts) lack the POSIX-only structs (msghdr, iovec, stat, ...):
  // the code that reads those never runs on Windows.
  windows_x86_64: windows_x86_64 as unknown as PlatformTable,
};

/** The table of platform `id`; Error naming the known platforms if there is none. */
export function platformTable(id: string): PlatformTable {
  if (!Object.hasOwn(platformTables, id)) {
    throw new Error(
      `socket: no constants table for platform ${id} (have: ${
        Object.keys(platformTables).join(", ")
      }); generate one with \`deno run -A scripts/gen_constants.ts\` on that platform`,
    );
  }
  return platformTables[id];
}

/**
 * On Windows, the codes of the POSIX calls that ffi/windows.ts emulates (fcntl's
 * F_GETFL/O_NONBLOCK, SOCK_CLOEXEC, MSG_NOSIGNAL = 0, ...) join the generated `sys`.
 */
function withEmulation(t: PlatformTable): PlatformTable {
  if (!t.platform.startsWith("windows")) return t;
  // Winsock's table has NI_MAXHOST/NI_MAXSERV among the socket module's constants.
  const { NI_MAXHOST, NI_MAXSERV } = t.constants;
  return {
    ...t,
    sys: { NI_MAXHOST, NI_MAXSERV, ...t.sys, ...WINDOWS_SYS },
    layouts: { ...t.layouts, ...WINDOWS_LAYOUTS },
  };
}

/** The table of the running platform. Importing this module throws on a platform without one. */
export const table: PlatformTable = withEmulation(platformTable(platformId));
