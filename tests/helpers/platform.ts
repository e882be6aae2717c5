/**
 * What the tests need to know of the platform they run on: Windows (where Winsock
 * differs from Linux as CPython shows there) and Wine (which lacks some of Windows).
 *
 * @module
 */
import process from "node:process";
import { table } from "../../constants/mod.ts";

/** The tests run on Windows (the Windows build of the runtime; under Wine or not). */
export const WINDOWS: boolean = table.platform.startsWith("windows");

/** Set by scripts/run_windows.sh: Windows is Wine here. */
export const UNDER_WINE: boolean = process.env.SOCKET_TEST_UNDER_WINE === "1";

/**
 * A `skip` option for `test()`: the reason on Windows, false elsewhere.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * import { skipOnWindows } from "./platform.ts";
 * test("AF_UNIX", { skip: skipOnWindows("no AF_UNIX under Wine") }, () => {});
 * ```
 */
export function skipOnWindows(reason: string): string | false {
  return WINDOWS ? `Windows: ${reason}` : false;
}
