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
