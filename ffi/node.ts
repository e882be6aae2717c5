/**
 * The Node backend: binds the libc symbol table with koffi.
 *
 * Every function is declared once, from the shared table, with a koffi prototype;
 * a call is then one koffi call, with no per-call work in this file on the hot
 * paths (the bound koffi functions are the table's functions). Entries marked
 * `nonblocking` are wrapped around koffi's `.async` calls, which run on libuv's
 * thread pool and are turned into Promises here; a {@link Gate} bounds them, so that
 * the calls beyond koffi's `max_async_calls` wait their turn instead of failing.
 * {@link dedicated} runs an entry on a `worker_threads` Worker of its own instead: the
 * reactor's indefinite wait must neither take one of libuv's few threads (fs, zlib,
 * dns.lookup and the resolver's calls need them) nor wait behind them, and Node joins
 * libuv's threads and its Workers at exit, so a wait that never returns would hold the
 * exit up forever (the Worker's is woken at exit).
 *
 * koffi saves the C errno of the calling thread after each synchronous call;
 * `koffi.errno()` reads it back, so the errno read right after a failed call is
 * that call's.
 *
 * @module
 */
import koffi from "koffi";
import { createRequire } from "node:module";
import process from "node:process";
import { isMainThread, Worker } from "node:worker_threads";
import {
  type Backend,
  type Libc,
  memcpyReaders,
  type NativeType,
  type NonblockingKey,
  type SymbolDef,
  symbols,
} from "./symbols.ts";
import {
  available,
  binding,
  cName,
  libraryPath,
  os,
  platformId,
  type ThreadTarget,
  withVariadics,
} from "./node_platform.ts";
import { Gate } from "./gate.ts";
import { nodeWindowsBackend } from "./node_windows.ts";

/** The koffi spelling of each table type. */
export const koffiType: Record<NativeType, string> = {
  i32: "int32_t",
  u32: "uint32_t",
  i64: "int64_t",
  usize: "uintptr_t",
  isize: "intptr_t",
  buffer: "void *",
  void: "void",
};

type KoffiFn = ((...args: unknown[]) => unknown) & {
  async: (...args: unknown[]) => void;
};

/**
 * Gates koffi's `.async` calls: at most half koffi's limit in flight (256 by default), and
 * at most 128 (libuv runs 4 at a time by default, UV_THREADPOOL_SIZE at most 1024; the rest
 * queue there anyway); beyond that a call waits for its turn instead of failing.
 */
const gate = new Gate(Math.min(128, (koffi.config().max_async_calls ?? 256) >> 1));

/** Turns koffi's callback-style `.async` into a gated, Promise-returning function. */
export function promised(fn: KoffiFn): (...args: unknown[]) => Promise<unknown> {
  return (...args) =>
    gate.run(() =>
      new Promise((resolve, reject) => {
        fn.async(...args, (err: unknown, result: unknown) => {
          if (err) reject(err);
          else resolve(result);
        });
      })
    );
}

function open(): koffi.LibraryHandle {
  try {
    return koffi.load(libraryPath());
  } catch (cause) {
    throw new Error(`socket: could not load ${libraryPath()} with koffi`, { cause });
  }
}

function load(lib: koffi.LibraryHandle): Libc {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(symbols) as [string, SymbolDef][]) {
    if (!available(key)) continue;
    const fn = lib.func(
      cName(key, def),
      koffiType[def.result],
      binding(key, def).parameters.map((t) => koffiType[t]),
    ) as unknown as KoffiFn;
    out[key] = def.nonblocking ? promised(fn) : fn;
  }
  return out as unknown as Libc;
}

// On Windows the whole backend is node_windows.ts (ws2_32 through ffi/windows.ts).
const windows = os === "win32";
const lib = windows ? undefined! : open();
const libc = windows ? undefined! : withVariadics(load(lib));

function address(value: number | bigint): number | bigint {
  if (value === 0 || value === 0n) throw new RangeError("socket: NULL pointer dereference");
  return value;
}

/**
 * The dedicated thread's script. It binds one C function (`buffer` parameters as addresses:
 * the thread shares the process's memory and the main thread keeps each view alive, and so
 * in place, until the reply), sleeps in `Atomics.wait` on the request counter (`ctl[0]`;
 * negative: stop), reads the arguments from `args` (float64: exact for 32-bit values and
 * addresses), makes the call and posts its result, its error (koffi's saved errno, or the
 * result of the library's `lastError` function: Winsock's errors are per thread) and the
 * counter it answers. A message is the only way to wake the main thread's event loop; a request needs none. CommonJS,
 * evaluated: loading it reads files synchronously, where an ES module worker would read them
 * on libuv's pool, and so wait behind whatever blocks there.
 */
const WORKER_SOURCE = `
const { parentPort, workerData: init } = require("node:worker_threads");
const koffi = require(init.koffi);
const lib = koffi.load(init.path);
const fn = lib.func(init.name, init.result, init.parameters);
const lastError = init.lastError ? lib.func(init.lastError, "int32_t", []) : () => koffi.errno();
const ctl = new Int32Array(init.shared, 0, 2);
const slots = new Float64Array(init.shared, 8, init.parameters.length);
const args = new Array(init.parameters.length);
for (let seq = 0;;) {
  // Only a new counter value is a request: a wake-up that left it as it was (seen under load
  // in Node 20) must not repeat the last call.
  while (Atomics.load(ctl, 0) === seq) Atomics.wait(ctl, 0, seq);
  seq = Atomics.load(ctl, 0);
  if (seq < 0) break;
  for (let i = 0; i < args.length; i++) args[i] = slots[i];
  const result = fn(...args);
  parentPort.postMessage([result, lastError(), seq]);
}
`;

/** A call of a dedicated thread: its arguments (views kept alive), and how it settles. */
interface ThreadCall {
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * `target` on a Worker of its own ({@link WORKER_SOURCE}), made at the first call, one call
 * at a time; ref'd only while a call is in flight (an idle program exits). Each reply's
 * error goes to `setErrno`, the buffers' addresses come from `addressOf`. At process exit
 * the thread is told to stop and, with a call in flight, `wake` ends that call: Node
 * terminates and joins its Workers before it exits. (The Linux backend's `dedicated`, and
 * the Windows one's: node_windows.ts.)
 *
 * @example
 * ```ts ignore
 * import { dedicatedThread } from "./node.ts";
 * const def = { parameters: ["buffer", "usize", "i32"], result: "i32" } as const;
 * const poll = dedicatedThread({ path: "libc.so.6", name: "poll", def }, wake, setErrno, addressOf);
 * const ready = await poll(fds, 1, -1); // on a Worker of its own
 * ```
 */
export function dedicatedThread(
  target: ThreadTarget,
  wake: () => void,
  setErrno: (errno: number) => void,
  addressOf: (view: ArrayBufferView) => bigint,
): (...args: unknown[]) => Promise<unknown> {
  const { parameters } = target.def;
  const shared = new SharedArrayBuffer(8 + 8 * parameters.length);
  const ctl = new Int32Array(shared, 0, 2);
  const slots = new Float64Array(shared, 8, parameters.length);
  const queue: ThreadCall[] = [];
  let worker: Worker | undefined;
  let current: ThreadCall | undefined;
  let seq = 0;

  const send = () => {
    current = queue.shift();
    if (current === undefined) {
      worker?.unref();
      return;
    }
    const { args } = current;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      slots[i] = parameters[i] !== "buffer"
        ? Number(arg)
        : arg === null || arg === undefined
        ? 0
        : Number(addressOf(arg as ArrayBufferView));
    }
    worker ??= spawn();
    worker.ref();
    seq = seq === 0x7fffffff ? 1 : seq + 1;
    Atomics.store(ctl, 0, seq);
    Atomics.notify(ctl, 0);
  };
  const spawn = (): Worker => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        koffi: createRequire(import.meta.url).resolve("koffi"),
        path: target.path,
        name: target.name,
        lastError: target.lastError,
        result: koffiType[target.def.result],
        parameters: parameters.map((t) => t === "buffer" ? "uintptr_t" : koffiType[t]),
        shared,
      },
    });
    w.on("message", ([result, errno, replied]: [unknown, number, number]) => {
      // A reply to a request other than the one in flight settles nothing.
      if (current === undefined || replied !== seq) return;
      const call = current;
      setErrno(errno);
      send();
      call.resolve(result);
    });
    let failure: unknown;
    w.on("error", (error) => failure = error);
    w.on("exit", (code) => {
      // The thread is gone: its call fails; the next call makes a new one.
      if (worker !== w) return;
      worker = undefined;
      Atomics.store(ctl, 0, seq = 0);
      const call = current;
      current = undefined;
      call?.reject(
        new Error(`socket: helper thread ended (${failure ?? code})`, { cause: failure }),
      );
      if (queue.length !== 0) send();
    });
    return w;
  };
  process.on("exit", () => {
    if (current !== undefined) wake();
    Atomics.store(ctl, 0, -1);
    Atomics.notify(ctl, 0);
  });

  return (...args) =>
    new Promise((resolve, reject) => {
      queue.push({ args, resolve, reject });
      if (current === undefined) send();
    });
}

/** Entry `key` of the libc table on a thread of its own ({@link dedicatedThread}). */
function dedicated(
  key: NonblockingKey,
  wake: () => void,
): (...args: unknown[]) => Promise<unknown> {
  const def = symbols[key] as SymbolDef;
  return dedicatedThread(
    { path: libraryPath(), name: cName(key, def), def },
    wake,
    (errno) => koffi.errno(errno),
    memory.addressOf,
  );
}

type MemoryFn = (dst: ArrayBufferView, src: number | bigint, n: number) => number | bigint;

/**
 * C memory through koffi, with `memset` and `memcpy` from the C runtime `crt` (libc; msvcrt
 * on Windows, node_windows.ts). `peek` and `peekInto` copy with memcpy (~50 ns a call): koffi.view's
 * external buffers cost ~1 us and are not freed after collection (RSS grew ~250 bytes a call).
 */
export function koffiMemory(
  crt: koffi.LibraryHandle,
): Pick<Backend, "peek" | "peekInto" | "cstring" | "readPointer" | "addressOf"> {
  // memset(view, 0, 0) returns its first argument: the address of a JS view.
  const identity = crt.func("memset", "uintptr_t", ["void *", "int32_t", "size_t"]) as unknown;
  const memcpy = crt.func("memcpy", "void *", ["void *", "uintptr_t", "size_t"]) as unknown as (
    out: Uint8Array,
    src: number | bigint,
    n: number,
  ) => void;
  const addressOf = (view: ArrayBufferView) => BigInt((identity as MemoryFn)(view, 0, 0));
  return {
    ...memcpyReaders(memcpy, address),
    cstring: (addr) => koffi.decode(address(addr), "char", -1) as string,
    readPointer: (addr, offset) => BigInt(koffi.decode(address(addr), offset, "uintptr_t")),
    addressOf,
  };
}

const memory = windows ? undefined! : koffiMemory(lib);

/** The koffi implementation of the backend interface. */
export const backend: Backend = windows ? nodeWindowsBackend() : {
  platformId,
  libc,
  errno: () => koffi.errno(),
  setErrno: (value: number) => {
    koffi.errno(value);
  },
  ...memory,
  view: (addr, length) => koffi.view(address(addr), length),
  dedicated: dedicated as Backend["dedicated"],
  inWorker: !isMainThread,
};
