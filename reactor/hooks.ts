/**
 * The close hook: how a socket tells the reactor that its descriptor is going away.
 *
 * `socket.ts` calls {@link notifyClose} from `_real_close()` (before close(2)) and from
 * `detach()`. The reactor, once it exists, installs its handler with
 * {@link setCloseHook}; it fails the operations pending on that descriptor with
 * OSError EBADF and forgets the descriptor. Until then the call costs one comparison.
 * This file imports nothing, so the socket object does not load the reactor.
 *
 * @module
 */

let hook: ((fd: number) => void) | null = null;
let openHook: ((fd: number, sock: object) => void) | null = null;

/**
 * Installs the function called with a descriptor about to be closed or detached.
 *
 * @example
 * ```ts
 * import { notifyClose, setCloseHook } from "./hooks.ts";
 * setCloseHook((fd) => console.log("closing", fd));
 * notifyClose(7); // "closing 7"
 * setCloseHook(null);
 * ```
 */
export function setCloseHook(fn: ((fd: number) => void) | null): void {
  hook = fn;
}

/**
 * Tells the reactor (if any) that `fd` is about to be closed or detached.
 *
 * @example
 * ```ts
 * import { notifyClose } from "./hooks.ts";
 * notifyClose(7); // no reactor: nothing happens
 * ```
 */
export function notifyClose(fd: number): void {
  if (hook !== null) hook(fd);
}

/**
 * Installs the function called with a descriptor the kernel has just given a new socket
 * (socket(2), accept(2), socketpair(2), dup): operations still queued on that number
 * belong to an earlier file that was closed behind the reactor's back.
 *
 * @example
 * ```ts
 * import { notifyOpen, setOpenHook } from "./hooks.ts";
 * import assert from "node:assert";
 * const seen: number[] = [];
 * setOpenHook((fd) => seen.push(fd));
 * notifyOpen(7, {});
 * setOpenHook(null);
 * assert.deepEqual(seen, [7]);
 * ```
 */
export function setOpenHook(fn: ((fd: number, sock: object) => void) | null): void {
  openHook = fn;
}

/**
 * Tells the reactor (if any) that `sock` now owns the new descriptor `fd`; returns `sock`.
 *
 * @example
 * ```ts
 * import { notifyOpen } from "./hooks.ts";
 * import assert from "node:assert";
 * const sock = {};
 * assert.equal(notifyOpen(7, sock), sock); // no reactor: nothing else happens
 * ```
 */
export function notifyOpen<T extends object>(fd: number, sock: T): T {
  if (openHook !== null) openHook(fd, sock);
  return sock;
}
