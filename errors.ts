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

const errnoNames: Map<number, string> = new Map();
/** Names preferred where two share a value, as Python's errno.errorcode has them. */
const preferred = new Set(["EAGAIN", "EDEADLOCK", "ENOTSUP"]);
for (const [name, value] of Object.entries(table.errno).sort()) {
  if (!errnoNames.has(value) || preferred.has(name)) errnoNames.set(value, name);
}

const messages: Map<number, string> = new Map();
const messageBuf = new Uint8Array(256);
const decoder = new TextDecoder();

/**
 * The C library's message for an errno value, as Python's `os.strerror`.
 *
 * @example
 * ```ts
 * import { strerror } from "./errors.ts";
 * console.log(strerror(111)); // "Connection refused" on Linux
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
 * import { errorcode } from "./errors.ts";
 * console.log(errorcode(111)); // "ECONNREFUSED"
 * ```
 */
export function errorcode(errno: number): string | undefined {
  return errnoNames.get(errno);
}

/**
 * Python's `OSError`: a failed system call. `errno` and `strerror` are Python's
 * attributes; `code` ("ECONNREFUSED") and `syscall` are Node's.
 *
 * Constructed with an errno, it becomes the PEP 3151 subclass for that errno.
 *
 * @example
 * ```ts
 * import { ConnectionRefusedError, OSError } from "./errors.ts";
 * const e = new OSError(111, "Connection refused");
 * console.log(e instanceof ConnectionRefusedError, String(e.message)); // true "[Errno 111] Connection refused"
 * ```
 */
export class OSError extends Error {
  /** The errno value, or null when the error was raised with a message only. */
  readonly errno!: number | null;
  /** The error's text, as strerror gives it, or null. */
  readonly strerror!: string | null;
  /** The file name the error is about, if any. */
  readonly filename!: string | null;
  /** Node's error code, the errno name ("ECONNREFUSED"), when known. */
  readonly code!: string | undefined;
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
    this.code = errno === null ? undefined : errnoNames.get(errno);
    this.syscall = undefined;
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

/**
 * Builds the OSError subclass for an errno, with strerror's text and the syscall name.
 *
 * @example
 * ```ts
 * import { fromErrno } from "./errors.ts";
 * const e = fromErrno(9, "recv");
 * console.log(e.message, e.code, e.syscall); // "[Errno 9] Bad file descriptor" "EBADF" "recv"
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

const WINDOWS = table.platform.startsWith("windows");

/** Python's repr of a str, enough for messages: single quotes, escaped. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}
