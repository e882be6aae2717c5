/**
 * The constants table of the running platform, chosen among the generated
 * per-platform tables (see `scripts/gen_constants.ts`).
 *
 * @module
 */
import { platformId } from "../ffi/platform.ts";
import type { PlatformTable } from "./types.ts";
import { table as linux_aarch64_gnu } from "./linux_aarch64_gnu.ts";
import { table as linux_aarch64_musl } from "./linux_aarch64_musl.ts";
import { table as linux_x86_64_gnu } from "./linux_x86_64_gnu.ts";
import { table as linux_x86_64_musl } from "./linux_x86_64_musl.ts";

export type { Layouts, PlatformTable, StructLayout } from "./types.ts";

/** Every generated platform table, by platform id. */
export const platformTables: Readonly<Record<string, PlatformTable>> = {
  linux_aarch64_gnu,
  linux_aarch64_musl,
  linux_x86_64_gnu,
  linux_x86_64_musl,
};

/** The table of the running platform. Importing this module throws on a platform without one. */
export const table: PlatformTable = selectTable(platformId);

function selectTable(id: string): PlatformTable {
  const found = Object.hasOwn(platformTables, id) ? platformTables[id] : undefined;
  if (found === undefined) {
    throw new Error(
      `socket: no constants table for platform ${id} (have: ${
        Object.keys(platformTables).join(", ")
      }); generate one with \`deno run -A scripts/gen_constants.ts\` on that platform`,
    );
  }
  return found;
}
