/**
 * The constants table of the running platform, chosen among the generated
 * per-platform tables (see `scripts/gen_constants.ts`). Only that table is loaded: the
 * others would cost every process ~0.5 MB of heap each for nothing.
 *
 * @module
 */
import { platformId } from "../ffi/platform.ts";
import type { PlatformTable } from "./types.ts";
import { WINDOWS_LAYOUTS, WINDOWS_SYS } from "../ffi/windows.ts";

export type { Layouts, PlatformTable, StructLayout } from "./types.ts";

/**
 * Loaders of every generated platform table, by platform id (literal specifiers, so that
 * `deno publish`, `deno compile` and bundlers see each file).
 */
export const platformLoaders: Readonly<
  Record<string, () => Promise<{ table: PlatformTable }>>
> = {
  darwin_aarch64: () => import("./darwin_aarch64.ts"),
  darwin_x86_64: () => import("./darwin_x86_64.ts"),
  linux_aarch64_gnu: () => import("./linux_aarch64_gnu.ts"),
  linux_aarch64_musl: () => import("./linux_aarch64_musl.ts"),
  linux_x86_64_gnu: () => import("./linux_x86_64_gnu.ts"),
  linux_x86_64_musl: () => import("./linux_x86_64_musl.ts"),
  // Winsock's layouts (WindowsLayouts) lack the POSIX-only structs (msghdr, iovec, stat, ...):
  // the code that reads those never runs on Windows.
  windows_x86_64: () =>
    import("./windows_x86_64.ts") as unknown as Promise<{ table: PlatformTable }>,
};

/** Loads the table of platform `id`; Error naming the known platforms if there is none. */
export async function loadPlatformTable(id: string): Promise<PlatformTable> {
  const load = Object.hasOwn(platformLoaders, id) ? platformLoaders[id] : undefined;
  if (load === undefined) {
    throw new Error(
      `socket: no constants table for platform ${id} (have: ${
        Object.keys(platformLoaders).join(", ")
      }); generate one with \`deno run -A scripts/gen_constants.ts\` on that platform`,
    );
  }
  return (await load()).table;
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
export const table: PlatformTable = withEmulation(await loadPlatformTable(platformId));
