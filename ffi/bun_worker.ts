/**
 * The Bun backend's helper thread: runs the table's `nonblocking` entries off the
 * main thread, as Deno's `nonblocking` symbols and koffi's `.async` calls do.
 *
 * The main thread sends one `init` message (the library path and the bun:ffi
 * declarations of the nonblocking entries), then `call` messages whose buffer
 * arguments are already C addresses: the worker shares the process's memory, and
 * the main thread keeps each view alive (and so in place) until the reply.
 * Each reply carries the call's result and the worker thread's errno (or the result of
 * the library's last-error function, named in `init`: Winsock's WSAGetLastError).
 *
 * @module
 */
// @ts-ignore: bun:ffi exists only under Bun (its types come from bun-types, not installed here)
import { dlopen, read } from "bun:ffi";

interface Declaration {
  args: string[];
  returns: string;
}
type Message =
  | {
    kind: "init";
    path: string;
    symbols: Record<string, Declaration>;
    errnoName: string;
    errnoIsValue?: boolean;
  }
  | { kind: "call"; id: number; key: string; args: unknown[] };

type Fn = (...args: unknown[]) => number | bigint;
let fns: Record<string, Fn> = {};
let errnoAddress = 0;
/** The calling thread's error after a call: errno, or the library's last-error function. */
let lastError = () => read.i32(errnoAddress, 0) as number;

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
scope.onmessage = (event: { data: Message }) => {
  const message = event.data;
  if (message.kind === "init") {
    const lib = dlopen(message.path, {
      ...message.symbols,
      [message.errnoName]: { args: [], returns: message.errnoIsValue ? "i32" : "u64_fast" },
    });
    fns = lib.symbols as Record<string, Fn>;
    const errnoFn = fns[message.errnoName];
    if (message.errnoIsValue) lastError = () => Number(errnoFn());
    else errnoAddress = Number(errnoFn());
    return;
  }
  try {
    const result = fns[message.key](...message.args);
    const errno = lastError();
    scope.postMessage({ id: message.id, result, errno });
  } catch (error) {
    scope.postMessage({ id: message.id, error: String(error) });
  }
};
