/**
 * Python's `socket.fromshare` (Windows only), apart from winsock.ts so that winsock.ts
 * stays below socket.ts (no import cycle).
 *
 * @module
 */
import { libc } from "./ffi/mod.ts";
import { socket } from "./socket.ts";
import { sharedSocket } from "./winsock.ts";

/**
 * Python's `socket.fromshare(data)` (Windows only): the socket that
 * `socket.share(pid)` described for this process.
 *
 * @example
 * ```ts ignore
 * import * as socket from "./mod.ts";
 * const s = socket.fromshare(data); // data from share() in another process
 * ```
 */
export function fromshare(data: ArrayBufferView): socket {
  const [fd, family, type, proto] = sharedSocket(data);
  try {
    return new socket(family, type, proto, fd);
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}
