/**
 * Python's OSError hierarchy (PEP 3151) for TypeScript, plus the socket module's
 * own `herror`, `gaierror` and `timeout`.
 *
 * `new OSError(errno, strerror)` gives the subclass Python would give for that errno,
 * exactly as `OSError(111, "...")` is a `ConnectionRefusedError` in Python.
 *
 * @module
 */
import { ffi } from "./ffi/mod.ts";
import { table } from "./constants/mod.ts";
import { pyRepr } from "./repr.ts";

const errnoNames: Map<number, string> = new Map();
/** Names preferred where two share a value, as Python's errno.errorcode has them. */
const preferred = new Set(["EAGAIN", "EDEADLOCK", "ENOTSUP"]);
for (const [name, value] of Object.entries(table.errno).sort()) {
  if (!errnoNames.has(value) || preferred.has(name)) errnoNames.set(value, name);
}

/** The names of the resolver's codes: EAI_* (gaierror's errno) and h_errno's (herror's). */
const eaiNames: Map<number, string> = new Map();
const hostErrorNames: Map<number, string> = new Map();
for (const [name, value] of Object.entries(table.constants).sort()) {
  if (name.startsWith("EAI_") && value !== undefined && !eaiNames.has(value)) {
    eaiNames.set(value, name);
  }
}
for (const name of ["HOST_NOT_FOUND", "TRY_AGAIN", "NO_RECOVERY", "NO_DATA"]) {
  const value = table.sys[name];
  if (value !== undefined) hostErrorNames.set(value, name);
}

const messages: Map<number, string> = new Map();
const messageBuf = new Uint8Array(256);
const decoder = new TextDecoder();

/**
 * The C library's message for an errno value, as Python's `os.strerror`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { strerror } from "./errors.ts";
 * assert.strictEqual(strerror(111), "Connection refused"); // ECONNREFUSED on Linux
 * ```
 */
export function strerror(errno: number): string {
  let text = messages.get(errno);
  if (text === undefined) {
    messageBuf.fill(0);
    if (ffi.libc.strerror_r(errno, messageBuf, messageBuf.length) !== 0) {
      text = `Unknown error ${errno}`;
    } else {
      text = decoder.decode(messageBuf.subarray(0, messageBuf.indexOf(0)));
    }
    messages.set(errno, text);
  }
  return text;
}

/**
 * The errno name for a value ("ECONNREFUSED" for 111 on Linux), or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { errorcode } from "./errors.ts";
 * assert.strictEqual(errorcode(111), "ECONNREFUSED"); // on Linux
 * ```
 */
export function errorcode(errno: number): string | undefined {
  return errnoNames.get(errno);
}

/**
 * Python's `OSError`: a failed system call. `errno` and `strerror` are Python's
 * attributes; `code` ("ECONNREFUSED") and `syscall` are Node's. `code` is the errno's
 * name, a gaierror's `EAI_*` name, an herror's h_errno name ("HOST_NOT_FOUND"),
 * "ETIMEDOUT" for a socket timeout (whose errno is null, as in Python), and
 * "ERR_INVALID_IP_ADDRESS" for the inet_* functions' bad addresses.
 *
 * Constructed with an errno, it becomes the PEP 3151 subclass for that errno.
 *
 * The stack starts at the caller's frame: the module's own frames above it are left
 * out, as Node leaves out its internals (a BlockingIOError keeps its whole stack: it is
 * control flow in non-blocking loops, and trimming costs microseconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ConnectionRefusedError, OSError } from "./errors.ts";
 * const e = new OSError(111, "Connection refused");
 * assert.ok(e instanceof ConnectionRefusedError);
 * assert.strictEqual(e.message, "[Errno 111] Connection refused");
 * ```
 */
export class OSError extends Error {
  /** The errno value, or null when the error was raised with a message only. */
  readonly errno!: number | null;
  /** The error's text, as strerror gives it, or null. */
  readonly strerror!: string | null;
  /** The file name the error is about, if any. */
  readonly filename!: string | null;
  /** Node's error code: the errno name ("ECONNREFUSED"), or as the class says above. */
  code: string | undefined;
  /** The system call that failed, when known. */
  syscall: string | undefined;

  /**
   * `new OSError(message)` or `new OSError(errno, strerror, filename?)`, as in Python.
   */
  constructor(errnoOrMessage?: number | string, strerror?: string, filename?: string) {
    let errno: number | null = null;
    let text: string | null = null;
    let message: string;
    if (typeof errnoOrMessage === "number" && strerror !== undefined) {
      errno = errnoOrMessage;
      text = strerror;
      message = `[Errno ${errno}] ${strerror}` +
        (filename !== undefined ? `: ${pyRepr(filename)}` : "");
    } else {
      message = errnoOrMessage === undefined ? "" : String(errnoOrMessage);
    }
    super(message);
    if (new.target === OSError && errno !== null) {
      const Sub = subclassFor(errno);
      if (Sub !== OSError) return new Sub(errno, text!, filename);
    }
    this.errno = errno;
    this.strerror = text;
    this.filename = filename ?? null;
    this.code = codeOf(this, errno);
    this.syscall = undefined;
    if (!(this instanceof BlockingIOError)) userFrameFirst(this);
  }

  /** The class name ("ConnectionRefusedError"), as Python shows it. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** Python's BlockingIOError: EAGAIN, EWOULDBLOCK, EALREADY, EINPROGRESS. */
export class BlockingIOError extends OSError {}
/** Python's ChildProcessError: ECHILD. */
export class ChildProcessError extends OSError {}
/** Python's ConnectionError: the base of the four connection errors. */
export class ConnectionError extends OSError {}
/** Python's BrokenPipeError: EPIPE, ESHUTDOWN. */
export class BrokenPipeError extends ConnectionError {}
/** Python's ConnectionAbortedError: ECONNABORTED. */
export class ConnectionAbortedError extends ConnectionError {}
/** Python's ConnectionRefusedError: ECONNREFUSED. */
export class ConnectionRefusedError extends ConnectionError {}
/** Python's ConnectionResetError: ECONNRESET. */
export class ConnectionResetError extends ConnectionError {}
/** Python's FileExistsError: EEXIST. */
export class FileExistsError extends OSError {}
/** Python's FileNotFoundError: ENOENT. */
export class FileNotFoundError extends OSError {}
/** Python's InterruptedError: EINTR. */
export class InterruptedError extends OSError {}
/** Python's IsADirectoryError: EISDIR. */
export class IsADirectoryError extends OSError {}
/** Python's NotADirectoryError: ENOTDIR. */
export class NotADirectoryError extends OSError {}
/** Python's PermissionError: EACCES, EPERM. */
export class PermissionError extends OSError {}
/** Python's ProcessLookupError: ESRCH. */
export class ProcessLookupError extends OSError {}
/** Python's TimeoutError: ETIMEDOUT, and a socket operation whose timeout expired. */
export class TimeoutError extends OSError {}

/**
 * Python's `socket.herror`: an address-related error of the gethostby* family
 * (h_errno and hstrerror's text).
 */
export class herror extends OSError {}
/**
 * Python's `socket.gaierror`: a getaddrinfo/getnameinfo failure; `errno` is the
 * EAI_* code and the message gai_strerror's.
 */
export class gaierror extends OSError {}

/** Node's `code` for an error of this class and errno. */
function codeOf(e: OSError, errno: number | null): string | undefined {
  if (errno === null) return e instanceof TimeoutError ? "ETIMEDOUT" : undefined;
  if (e instanceof gaierror) return eaiNames.get(errno);
  if (e instanceof herror) return hostErrorNames.get(errno);
  return errnoNames.get(errno);
}

/** The folder of the module's files (this file's folder), as stack frames name it. */
const moduleRoot = new URL(".", import.meta.url);
const moduleRoots = [moduleRoot.href];
if (moduleRoot.protocol === "file:") moduleRoots.push(decodeURIComponent(moduleRoot.pathname));
/** A module file below the root: a top-level .ts/.js file, or one of ffi/, reactor/, constants/. */
const moduleFile = /^(?:(?:ffi|reactor|constants)\/)?[\w-]+\.[jt]s:/;

function isModuleFrame(line: string): boolean {
  for (const root of moduleRoots) {
    const at = line.indexOf(root);
    if (at >= 0 && moduleFile.test(line.slice(at + root.length))) return true;
  }
  return false;
}

/** Drops the module's own frames from the top of the stack, when a caller's frame follows. */
function dropModuleFrames(stack: string): string {
  const lines = stack.split("\n");
  const first = lines.findIndex((line) => /^\s+at /.test(line));
  if (first < 0) return stack;
  let user = first;
  while (user < lines.length && isModuleFrame(lines[user])) user++;
  if (user === first || user === lines.length) return stack;
  return [...lines.slice(0, first), ...lines.slice(user)].join("\n");
}

/**
 * Makes the error's stack start at the user's frame. Where the engine formats the stack
 * lazily through an accessor (V8 12+: Deno, Node 22+), so does this; elsewhere it is
 * rewritten now.
 */
function userFrameFirst(e: Error): void {
  const own = Object.getOwnPropertyDescriptor(e, "stack");
  if (own === undefined || !own.configurable) return;
  if (own.get !== undefined) {
    const get = own.get;
    let trimmed: string | undefined;
    Object.defineProperty(e, "stack", {
      configurable: true,
      enumerable: own.enumerable,
      get() {
        return trimmed ??= dropModuleFrames(String(get.call(e)));
      },
      set(value: unknown) {
        Object.defineProperty(e, "stack", { value, writable: true, configurable: true });
      },
    });
  } else if (typeof own.value === "string") {
    e.stack = dropModuleFrames(own.value);
  }
}

/** Python's `socket.error`, an alias of OSError. */
export const error: typeof OSError = OSError;
/** Python's `socket.timeout`, an alias of TimeoutError. */
export const timeout: typeof TimeoutError = TimeoutError;

const byName: Record<string, typeof OSError> = {
  EAGAIN: BlockingIOError,
  EWOULDBLOCK: BlockingIOError,
  EALREADY: BlockingIOError,
  EINPROGRESS: BlockingIOError,
  ECHILD: ChildProcessError,
  EPIPE: BrokenPipeError,
  ESHUTDOWN: BrokenPipeError,
  ECONNABORTED: ConnectionAbortedError,
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  EEXIST: FileExistsError,
  ENOENT: FileNotFoundError,
  EINTR: InterruptedError,
  EISDIR: IsADirectoryError,
  ENOTDIR: NotADirectoryError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  ESRCH: ProcessLookupError,
  ETIMEDOUT: TimeoutError,
};
const byErrno: Map<number, typeof OSError> = new Map();
for (const [name, cls] of Object.entries(byName)) {
  const value = table.errno[name];
  if (value !== undefined) byErrno.set(value, cls);
}

/** The PEP 3151 class Python picks for an errno. */
export function subclassFor(errno: number): typeof OSError {
  return byErrno.get(errno) ?? OSError;
}

/** Windows: Winsock errors (10000 and up) carry `winerror`, as in CPython. */
const WINDOWS = table.platform.startsWith("windows");

/**
 * Builds the OSError subclass for an errno, with strerror's text and the syscall name.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fromErrno } from "./errors.ts";
 * const e = fromErrno(9, "recv");
 * assert.strictEqual(e.message, "[Errno 9] Bad file descriptor");
 * assert.strictEqual(e.code, "EBADF");
 * assert.strictEqual(e.syscall, "recv");
 * ```
 */
export function fromErrno(errno: number, syscall?: string, filename?: string): OSError {
  const e = new OSError(errno, strerror(errno), filename);
  e.syscall = syscall;
  if (WINDOWS && errno >= 10000) {
    // CPython raises Winsock errors with `winerror` set; str() then reads "[WinError N] ...".
    (e as OSError & { winerror?: number }).winerror = errno;
    e.message = e.message.replace(/^\[Errno /, "[WinError ");
  }
  return e;
}

/**
 * Reports a ResourceWarning (a socket dropped without close()): through
 * `process.emitWarning` on Node, where `--no-warnings`, `--trace-warnings` and
 * `process.on("warning")` apply to it; on the console under Deno and Bun (Bun's
 * emitWarning opens a descriptor of its own on first use, from a finalizer).
 *
 * @example
 * ```ts
 * import { resourceWarning } from "./errors.ts";
 * resourceWarning("unclosed <socket.socket fd=3, family=AF_INET, type=SOCK_STREAM>");
 * ```
 */
export function resourceWarning(message: string): void {
  const process = (globalThis as {
    process?: { emitWarning?: (message: string, type: string) => void };
  }).process;
  if (
    !("Deno" in globalThis) && !("Bun" in globalThis) && typeof process?.emitWarning === "function"
  ) {
    process.emitWarning(message, "ResourceWarning");
  } else {
    console.warn(`ResourceWarning: ${message}`);
  }
}

/**
 * The inet_* functions' error for an address string they cannot parse, or packed bytes
 * of the wrong length: Python's OSError and message, with Node's code and the function.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { invalidAddress, OSError } from "./errors.ts";
 * const e = invalidAddress("illegal IP address string passed to inet_aton", "inet_aton");
 * assert.ok(e instanceof OSError);
 * assert.strictEqual(e.code, "ERR_INVALID_IP_ADDRESS");
 * assert.strictEqual(e.syscall, "inet_aton");
 * ```
 */
export function invalidAddress(message: string, syscall: string): OSError {
  const e = new OSError(message);
  e.code = "ERR_INVALID_IP_ADDRESS";
  e.syscall = syscall;
  return e;
}
