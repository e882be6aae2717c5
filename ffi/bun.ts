/**
 * The Bun backend: binds the libc symbol table with `bun:ffi`.
 *
 * Synchronous entries are `dlopen`ed once with bun:ffi types, so a call is one
 * JIT-compiled trampoline. errno is read from the calling thread's errno cell
 * (its address taken once from `__errno_location`/`__error`) right after a call.
 *
 * Bun has no asynchronous FFI calls, so the table's `nonblocking` entries run on
 * helper Workers (`bun_worker.ts`): a pool of at most {@link MAX_WORKERS}, made on
 * demand, one call at a time each (further calls queue, as koffi's calls queue for
 * libuv's thread pool under Node); a `dedicated` entry (the reactor's wait) has a
 * Worker of its own, so that it never queues behind the pool's calls. A worker is
 * unref'd while idle, so that it never keeps the process alive, and kept: a burst of
 * calls does not leave a trail of terminating workers (each a thread with descriptors
 * of its own). Buffer
 * arguments travel as C addresses: the worker shares the process's memory, and
 * the views are held here until the reply, so they cannot be collected or moved.
 *
 * @module
 */
// @ts-ignore: bun:ffi exists only under Bun (its types come from bun-types, not installed here)
import { CString, dlopen, ptr, read, toArrayBuffer } from "bun:ffi";
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import {
  type Backend,
  checkPeekLength,
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
import { bunWindowsBackend } from "./bun_windows.ts";

// On Windows the whole backend is bun_windows.ts (ws2_32 through ffi/windows.ts).
const windows = os === "win32";

/** bun:ffi parameter types. */
export const argType: Record<NativeType, string> = {
  i32: "i32",
  u32: "u32",
  i64: "i64",
  usize: "usize",
  isize: "isize",
  buffer: "ptr",
  void: "void",
};
/** bun:ffi result types: 64-bit results as a number when exact, else a bigint (as Deno). */
export const resultType: Record<NativeType, string> = {
  ...argType,
  i64: "i64_fast",
  usize: "u64_fast",
  isize: "i64_fast",
};

interface Declaration {
  args: string[];
  returns: string;
}

function declaration(def: SymbolDef): Declaration {
  return { args: def.parameters.map((t) => argType[t]), returns: resultType[def.result] };
}

type Fn = (...args: unknown[]) => unknown;

const path = windows ? "" : libraryPath();
const syncTable: Record<string, Declaration & { name?: string }> = {};
const asyncTable: Record<string, Declaration> = {};
const asyncDefs: Record<string, SymbolDef> = {};
for (const [key, def] of Object.entries(symbols) as [string, SymbolDef][]) {
  if (!available(key)) continue;
  const name = cName(key, def);
  if (def.nonblocking) {
    asyncTable[name] = declaration(def);
    asyncDefs[key] = def;
  } else {
    // bun:ffi binds by key; aliases go through a second library handle below
    syncTable[key] = { ...declaration(binding(key, def)), name };
  }
}

function open(table: Record<string, Declaration>): Record<string, Fn> {
  try {
    return dlopen(path, table).symbols as Record<string, Fn>;
  } catch (cause) {
    throw new Error(`socket: could not load ${path} with bun:ffi`, { cause });
  }
}

/** Binds the synchronous entries; renamed C symbols are bound by their C name, then re-keyed. */
function bindSync(): Record<string, Fn> {
  const byCName: Record<string, Declaration> = {};
  const owner: Record<string, string> = {};
  for (const [key, { name, ...decl }] of Object.entries(syncTable)) {
    if (owner[name!] !== undefined) continue;
    owner[name!] = key;
    byCName[name!] = decl;
  }
  const bound = open(byCName);
  const out: Record<string, Fn> = {};
  for (const [key, { name, ...decl }] of Object.entries(syncTable)) {
    // One C function under several signatures (syscall(2) for each io_uring call): each
    // further signature through a handle of its own.
    out[key] = owner[name!] === key ? bound[name!] : open({ [name!]: decl })[name!];
  }
  return out;
}

const sync = windows ? {} : bindSync();
/**
 * `void *memcpy(void *dst, const void *src, size_t n)` with the source an address: a copy
 * out of C memory in one call (~5 ns), where toArrayBuffer makes an external ArrayBuffer
 * (~170 ns).
 */
const memcpy = windows ? undefined! : open({
  memcpy: { args: ["ptr", "usize", "usize"], returns: "void" },
}).memcpy as (out: Uint8Array, src: number, n: number) => void;
const errnoAddress = windows ? 0 : Number(sync.errno_location());
const errnoCell = windows ? new Int32Array(1) : new Int32Array(toArrayBuffer(errnoAddress, 0, 4));

// ---- nonblocking entries: helper Workers ----

interface Reply {
  id: number;
  result?: unknown;
  errno?: number;
  error?: string;
}
interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  keep: unknown[];
}
interface Helper {
  worker: Worker & { ref(): void; unref(): void };
  pending: Map<number, Pending>;
}
/**
 * A helper's first message (see bun_worker.ts): the library, its declarations (by C name),
 * and the function whose result is errno's address, or (`errnoIsValue`) the error itself.
 */
interface WorkerInit {
  kind: "init";
  path: string;
  symbols: Record<string, Declaration>;
  errnoName: string;
  errnoIsValue?: boolean;
}

/** The most helper Workers of the shared pool alive at once. */
const MAX_WORKERS = 8;
let nextId = 1;

const workerUrl = new URL(
  import.meta.url.endsWith(".ts") ? "./bun_worker.ts" : "./bun_worker.js",
  import.meta.url,
);

/**
 * A set of at most `max` helper Workers, made on demand, one call at a time each: the
 * shared pool ({@link MAX_WORKERS}), or one Worker of its own for a {@link dedicated} entry.
 * Each Worker starts with `init`; each reply's errno goes to `setErrno`.
 */
class Lane {
  readonly #max: number;
  readonly #init: WorkerInit;
  readonly #setErrno: (errno: number) => void;
  readonly #idle: Helper[] = [];
  /** Calls waiting for a helper (all `max` busy), in order. */
  readonly #queued: Array<(helper: Helper) => void> = [];
  #workers = 0;
  /** Calls given a helper and not yet answered. */
  busy = 0;

  constructor(max: number, init: WorkerInit, setErrno: (errno: number) => void) {
    this.#max = max;
    this.#init = init;
    this.#setErrno = setErrno;
  }

  /** Runs `start` with a helper, now or once one is free. */
  acquire(start: (helper: Helper) => void): void {
    const helper = this.#idle.pop() ?? (this.#workers < this.#max ? this.#spawn() : undefined);
    if (helper !== undefined) start(helper);
    else this.#queued.push(start);
  }

  /** Gives `helper` to the next queued call, else parks it (unref'd) among the idle. */
  release(helper: Helper): void {
    const next = this.#queued.shift();
    if (next !== undefined) {
      next(helper);
      return;
    }
    helper.worker.unref();
    this.#idle.push(helper);
  }

  /** `helper` died: forgets it, and gives a new one to the next queued call. */
  lost(helper: Helper): void {
    const idleAt = this.#idle.indexOf(helper);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    this.#workers--;
    const next = this.#queued.shift();
    if (next !== undefined) next(this.#spawn());
  }

  #spawn(): Helper {
    this.#workers++;
    const worker = new Worker(workerUrl.href) as Helper["worker"];
    const helper: Helper = { worker, pending: new Map() };
    worker.postMessage(this.#init);
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const waiter = helper.pending.get(reply.id);
      if (waiter === undefined) return;
      helper.pending.delete(reply.id);
      this.busy--;
      this.release(helper);
      if (reply.error !== undefined) {
        waiter.reject(new Error(`socket: nonblocking call failed: ${reply.error}`));
      } else {
        this.#setErrno(reply.errno ?? 0);
        waiter.resolve(reply.result);
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      for (const waiter of helper.pending.values()) {
        waiter.reject(new Error(`socket: helper worker failed: ${event.message}`));
      }
      this.busy -= helper.pending.size;
      helper.pending.clear();
      worker.terminate();
      this.lost(helper);
    };
    return helper;
  }
}

const errnoName = windows ? "" : cName("errno_location", symbols.errno_location);
const setErrno = (errno: number) => void (errnoCell[0] = errno);
const pool = new Lane(
  MAX_WORKERS,
  { kind: "init", path, symbols: asyncTable, errnoName },
  setErrno,
);

/** Calls C function `name` (signature `def`) on a helper of `lane`. */
function callAsync(lane: Lane, name: string, def: SymbolDef, args: unknown[]): Promise<unknown> {
  const wire = args.map((arg, i) => {
    if (def.parameters[i] !== "buffer" || arg === null || arg === undefined) return arg ?? null;
    const view = arg as ArrayBufferView;
    return view.byteLength === 0 ? null : ptr(pinned(view));
  });
  const id = nextId++;
  return new Promise((resolve, reject) => {
    lane.busy++;
    lane.acquire((helper) => {
      helper.worker.ref();
      helper.pending.set(id, { resolve, reject, keep: args });
      helper.worker.postMessage({ kind: "call", id, key: name, args: wire });
    });
  });
}

function bindAsync(): Record<string, Fn> {
  const out: Record<string, Fn> = {};
  for (const [key, def] of Object.entries(asyncDefs)) {
    const name = cName(key, def);
    out[key] = (...args: unknown[]) => callAsync(pool, name, def, args);
  }
  return out;
}

/**
 * `target` on a Worker of its own: never queued behind the pool's calls; each reply's
 * error goes to `setErrno`. At process exit with a call in flight, `wake` ends it. (The
 * Linux backend's `dedicated`, and the Windows one's: bun_windows.ts.)
 *
 * @example
 * ```ts ignore
 * import { dedicatedWorker } from "./bun.ts";
 * const def = { parameters: ["buffer", "usize", "i32"], result: "i32" } as const;
 * const poll = dedicatedWorker({ path: "libc.so.6", name: "poll", def }, wake, setErrno);
 * const ready = await poll(fds, 1, -1); // on a Worker of its own
 * ```
 */
export function dedicatedWorker(
  target: ThreadTarget,
  wake: () => void,
  setErrno: (errno: number) => void,
): Fn {
  const lane = new Lane(1, {
    kind: "init",
    path: target.path,
    symbols: { [target.name]: declaration(target.def) },
    errnoName: target.lastError ?? errnoName,
    errnoIsValue: target.lastError !== undefined,
  }, setErrno);
  process.on("exit", () => {
    if (lane.busy !== 0) wake();
  });
  return (...args: unknown[]) => callAsync(lane, target.name, target.def, args);
}

/** Entry `key` of the libc table on a Worker of its own ({@link dedicatedWorker}). */
function dedicated(key: NonblockingKey, wake: () => void): Fn {
  const def = asyncDefs[key];
  return dedicatedWorker({ path, name: cName(key, def), def }, wake, setErrno);
}

const libc = withVariadics({ ...sync, ...bindAsync() } as unknown as Libc);

/**
 * JSC keeps a small typed array's bytes inside the GC heap until its ArrayBuffer is
 * asked for, then moves them out: touching `.buffer` first makes the address stable.
 */
export function pinned<T extends ArrayBufferView>(view: T): T {
  void view.buffer;
  return view;
}

function address(value: number | bigint): number {
  if (value === 0 || value === 0n) throw new RangeError("socket: NULL pointer dereference");
  return Number(value);
}

/**
 * Reading C memory through bun:ffi alone (also the Windows backend's, bun_windows.ts;
 * elsewhere peek and peekInto are libc's memcpy).
 */
export const bunMemory: Pick<
  Backend,
  "peek" | "peekInto" | "cstring" | "readPointer" | "addressOf"
> = {
  peek(addr, length) {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(toArrayBuffer(address(addr), 0, length)).slice();
  },
  peekInto(addr, out, length) {
    checkPeekLength(out, length);
    if (length !== 0) out.set(new Uint8Array(toArrayBuffer(address(addr), 0, length)));
  },
  cstring: (addr) => new CString(address(addr)).toString(),
  readPointer: (addr, offset) => BigInt(read.u64(address(addr), offset)),
  addressOf: (view) => BigInt(ptr(pinned(view))),
  dedicated: dedicated as Backend["dedicated"],
};

/** The bun:ffi implementation of the backend interface. */
export const backend: Backend = windows ? bunWindowsBackend() : {
  platformId,
  libc,
  errno: () => errnoCell[0],
  setErrno: (value: number) => {
    errnoCell[0] = value;
  },
  ...bunMemory,
  ...memcpyReaders(memcpy, address),
  view: (addr, length) => toArrayBuffer(address(addr), 0, length),
  // isMainThread is false in a Bun (web) Worker too, not only in a worker_threads one
  inWorker: !isMainThread,
};
