/**
 * `socket.makefile()`: a file object over a connected socket, layered as Python's is.
 *
 * - the raw layer (Python's `socket.SocketIO`) calls `sock.recv_into` and `sock.send`;
 * - the buffered layer (`io.BufferedReader`, `io.BufferedWriter`, `io.BufferedRWPair`) keeps a
 *   read buffer and a write buffer of `buffering` bytes (8192 by default);
 * - the text layer (`io.TextIOWrapper`) decodes and encodes (UTF-8 by default, streaming, so a
 *   character split between two receives is decoded whole) and translates newlines.
 *
 * Binary modes (`"rb"`, `"wb"`, `"rwb"`) read and write `Uint8Array`; text modes (`"r"`, `"w"`,
 * `"rw"`) read and write `string`. Every open file keeps the socket's descriptor open: closing
 * the socket while a file is open closes the descriptor when the last file closes, as in Python.
 *
 * Python's `ValueError` is a `RangeError` here (with Python's message), `io.UnsupportedOperation`
 * is {@link UnsupportedOperation}, and decoding and encoding errors are `RangeError`s with the
 * text Python's `UnicodeDecodeError` and `UnicodeEncodeError` carry.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * const [a, b] = socket.socketpair();
 * const w = a.makefile("w");
 * w.write("first\nsecond\n");
 * w.flush();
 * const r = b.makefile("r");
 * console.log(r.readline()); // "first\n"
 * w.close();
 * a.close();
 * console.log(r.read()); // "second\n"
 * r.close();
 * b.close();
 * ```
 *
 * @module
 */
import type { socket } from "./socket.ts";
import { BlockingIOError, OSError, TimeoutError } from "./errors.ts";
import { pyTypeName, toBytes, toInt } from "./args.ts";
import { charRepr, pyRepr } from "./repr.ts";

/** Python's io.DEFAULT_BUFFER_SIZE. */
const DEFAULT_BUFFER_SIZE = 8192;
/** The text layer's read and write chunk (TextIOWrapper._CHUNK_SIZE). */
const CHUNK_SIZE = 8192;
const EMPTY = new Uint8Array(0);

/** Options of makefile(): text encoding, decoding errors, newline handling. */
export interface MakefileOptions {
  /**
   * Text encoding: "utf-8" (the default), "utf-8-sig", "latin-1" or "ascii" (and their Python
   * aliases). Ignored in binary modes, as in Python.
   */
  encoding?: string | null;
  /**
   * Encoding and decoding error handling: "strict" (the default: a RangeError) or "replace"
   * (U+FFFD when decoding, "?" when encoding).
   */
  errors?: string | null;
  /**
   * Newline handling, as Python's TextIOWrapper: `null` (universal newlines: "\r\n" and "\r"
   * read as "\n"), `""` (lines end at any of the three, untranslated), or `"\n"`, `"\r"`,
   * `"\r\n"` (lines end there; on writing "\n" becomes that string).
   */
  newline?: string | null;
}

/**
 * Python's `io.UnsupportedOperation`: the file was not opened for this operation (reading a
 * file opened "w", writing one opened "r", fileno() of a read-write pair). An OSError (Python's
 * is both an OSError and a ValueError).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { UnsupportedOperation } from "./makefile.ts";
 * const [a, b] = socket.socketpair();
 * const f = a.makefile("w");
 * try {
 *   f.read();
 * } catch (e) {
 *   console.log(e instanceof UnsupportedOperation); // true
 * }
 * f.close();
 * a.close();
 * b.close();
 * ```
 */
export class UnsupportedOperation extends OSError {}

/**
 * The file object socket.makefile() returns. `T` is `string` for text modes and `Uint8Array`
 * for binary modes.
 *
 * In non-blocking mode (timeout 0), where Python's binary layers return `None` because nothing
 * could be read or written, these raise the socket's BlockingIOError instead (data already
 * gathered by the call is returned first).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import type { SocketFile } from "./makefile.ts";
 * const [a, b] = socket.socketpair();
 * a.sendall(new Uint8Array([104, 105, 10]));
 * a.close();
 * const f = b.makefile("rb") as SocketFile<Uint8Array>;
 * for (const line of f) console.log(line); // Uint8Array(3) [104, 105, 10]
 * f.close();
 * b.close();
 * ```
 */
export interface SocketFile<T extends string | Uint8Array = string | Uint8Array> {
  /** The mode: the one given for text files, "rb", "wb" or "rwb" for binary ones. */
  readonly mode: string;
  /** The socket's descriptor, or -1 once this file is closed. */
  readonly name: number;
  /** Whether the file is closed. */
  readonly closed: boolean;
  /**
   * Reads and returns up to `size` bytes (characters in text mode), waiting until that many
   * arrived or the peer closed; `size` -1 or null reads to end of stream. (Unbuffered files,
   * buffering 0, return what one receive gave.)
   */
  read(size?: number | null): T;
  /** Binary: at most one receive (returns buffered bytes first). Text files throw TypeError. */
  read1(size?: number): T;
  /** Binary: the buffered bytes without consuming them. Text files throw TypeError. */
  peek(size?: number): T;
  /** Reads one line, with its line ending; at most `size` bytes (characters) if size >= 0. */
  readline(size?: number | null): T;
  /** Reads the remaining lines; stops after the line that brings the total to `hint` or more. */
  readlines(hint?: number | null): T[];
  /** Binary: reads into `buffer` until full or end of stream; returns the count. */
  readinto(buffer: ArrayBufferView): number;
  /** Writes `data` (buffered; see flush()); returns its length (characters in text mode). */
  write(data: T): number;
  /** Writes each of `lines` (no separators are added). */
  writelines(lines: Iterable<T>): void;
  /** Sends everything buffered. */
  flush(): void;
  /** Flushes and closes the file (idempotent); the socket's descriptor closes with the last. */
  close(): void;
  /** Whether the file was opened for reading. */
  readable(): boolean;
  /** Whether the file was opened for writing. */
  writable(): boolean;
  /** Always false: sockets do not seek. */
  seekable(): boolean;
  /** Always false. */
  isatty(): boolean;
  /** The socket's descriptor (read-write files throw UnsupportedOperation, as Python's). */
  fileno(): number;
  /** Iterates over lines, as Python's `for line in f`. */
  [Symbol.iterator](): IterableIterator<T>;
  /** close(), for `using`. */
  [Symbol.dispose](): void;
}

/**
 * The file type makefile() gives for a mode literal: `SocketFile<Uint8Array>` when the mode has
 * "b", `SocketFile<string>` otherwise, `SocketFile` when the mode is not known statically.
 *
 * @example
 * ```ts
 * import type { SocketFileFor } from "./makefile.ts";
 * type Binary = SocketFileFor<"rwb">; // SocketFile<Uint8Array>
 * type Text = SocketFileFor<"r">; // SocketFile<string>
 * ```
 */
export type SocketFileFor<M extends string> = string extends M ? SocketFile
  : M extends `${string}b${string}` ? SocketFile<Uint8Array>
  : SocketFile<string>;

/**
 * Python's `socket.makefile(mode, buffering, *, encoding, errors, newline)`; socket.makefile()
 * calls it. Modes are made of "r", "w" and "b"; buffering null or negative is 8192 bytes, 0 is
 * unbuffered (binary only).
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { makefile } from "./makefile.ts";
 * const [a, b] = socket.socketpair();
 * const w = makefile(a, "wb", 0, {});
 * console.log(w.write(new Uint8Array([1, 2, 3]))); // 3
 * const r = makefile(b, "rb", null, {});
 * console.log(r.read(3)); // Uint8Array(3) [1, 2, 3]
 * w.close();
 * r.close();
 * a.close();
 * b.close();
 * ```
 */
export function makefile<M extends string>(
  sock: socket,
  mode: M,
  buffering: number | null = null,
  options: MakefileOptions = {},
): SocketFileFor<M> {
  if (typeof mode !== "string") {
    throw new TypeError(`makefile() argument 'mode' must be str, not ${pyTypeName(mode)}`);
  }
  for (const c of mode) {
    if (c !== "r" && c !== "w" && c !== "b") {
      throw new RangeError(`invalid mode ${pyRepr(mode)} (only r, w, b allowed)`);
    }
  }
  const writing = mode.includes("w");
  const reading = mode.includes("r") || !writing;
  const binary = mode.includes("b");
  let size = buffering === null || buffering === undefined ? -1 : toInt(buffering);
  if (size < 0) size = DEFAULT_BUFFER_SIZE;
  // Python counts the reference before this check and drops the orphan SocketIO at once, so
  // the count ends where it started: checking first is the same.
  if (size === 0 && !binary) throw new RangeError("unbuffered streams must be binary");
  let text: TextSettings | null = null;
  if (!binary) text = textSettings(options ?? {});
  const raw = new SocketIO(sock, (reading ? "r" : "") + (writing ? "w" : ""));
  sock._io_refs += 1;
  if (size === 0) return raw as unknown as SocketFileFor<M>;
  const buffer = new Buffered(raw, size, reading, writing);
  if (text === null) return buffer as unknown as SocketFileFor<M>;
  return new TextFile(buffer, mode, text) as unknown as SocketFileFor<M>;
}

// ---- helpers ------------------------------------------------------------------------------

/** The number of code points in `s` (Python's len()). */
function cpLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The UTF-16 index after the first `n` code points of `s`, or -1 if `s` has fewer. */
function cpIndex(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n; k++) {
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
        (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
      ? 2
      : 1;
  }
  return i;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function closedError(message = "I/O operation on closed file."): RangeError {
  return new RangeError(message);
}

/** A read size argument: null/undefined -> -1; else an integer. */
function sizeArg(size: unknown): number {
  return size === null || size === undefined ? -1 : toInt(size);
}

// ---- shared file behaviour (Python's IOBase) ----------------------------------------------

abstract class FileBase<T extends string | Uint8Array> implements SocketFile<T> {
  abstract readonly mode: string;
  abstract readonly name: number;
  abstract readonly closed: boolean;
  abstract read(size?: number | null): T;
  abstract read1(size?: number): T;
  abstract peek(size?: number): T;
  abstract readline(size?: number | null): T;
  abstract readinto(buffer: ArrayBufferView): number;
  abstract write(data: T): number;
  abstract flush(): void;
  abstract close(): void;
  abstract readable(): boolean;
  abstract writable(): boolean;
  abstract seekable(): boolean;
  abstract isatty(): boolean;
  abstract fileno(): number;

  readlines(hint: number | null = -1): T[] {
    const limit = sizeArg(hint);
    const lines: T[] = [];
    let total = 0;
    for (const line of this) {
      lines.push(line);
      total += typeof line === "string" ? cpLength(line) : line.length;
      if (limit > 0 && total >= limit) break;
    }
    return lines;
  }

  writelines(lines: Iterable<T>): void {
    if (this.closed) throw closedError();
    for (const line of lines) this.write(line);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    if (this.closed) throw closedError();
    for (;;) {
      const line = this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// ---- raw layer: Python's socket.SocketIO --------------------------------------------------

class SocketIO extends FileBase<Uint8Array> {
  #sock: socket | null;
  readonly #reading: boolean;
  readonly #writing: boolean;
  #timedOut = false;
  readonly mode: string;

  constructor(sock: socket, mode: string) {
    super();
    this.#sock = sock;
    this.mode = mode + "b";
    this.#reading = mode.includes("r");
    this.#writing = mode.includes("w");
  }

  get closed(): boolean {
    return this.#sock === null;
  }

  get name(): number {
    return this.#sock === null ? -1 : this.fileno();
  }

  readinto(buffer: ArrayBufferView): number {
    const buf = toBytes(buffer);
    const sock = this.#sock;
    if (sock === null) throw closedError();
    if (!this.#reading) throw new UnsupportedOperation("File or stream is not readable.");
    if (this.#timedOut) throw new OSError("cannot read from timed out object");
    try {
      return sock.recv_into(buf);
    } catch (e) {
      if (e instanceof TimeoutError) this.#timedOut = true;
      throw e;
    }
  }

  write(data: Uint8Array): number {
    const buf = toBytes(data);
    const sock = this.#sock;
    if (sock === null) throw closedError();
    if (!this.#writing) throw new UnsupportedOperation("File or stream is not writable.");
    return sock.send(buf);
  }

  read(size: number | null = -1): Uint8Array {
    const n = sizeArg(size);
    if (n < 0) return this.readall();
    const buf = new Uint8Array(n);
    const got = this.readinto(buf);
    return got === n ? buf : buf.slice(0, got);
  }

  readall(): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      let data: Uint8Array;
      try {
        data = this.read(DEFAULT_BUFFER_SIZE);
      } catch (e) {
        if (e instanceof BlockingIOError && total > 0) break;
        throw e;
      }
      if (data.length === 0) break;
      chunks.push(data);
      total += data.length;
    }
    return total === 0 ? EMPTY.slice() : concat(chunks, total);
  }

  read1(size = -1): Uint8Array {
    return this.read(size < 0 ? DEFAULT_BUFFER_SIZE : size);
  }

  peek(_size = 0): Uint8Array {
    throw new TypeError("unbuffered socket files have no peek(); use buffering > 0");
  }

  /** IOBase.readline without peek: one byte at a time, so nothing past the line is consumed. */
  readline(size: number | null = -1): Uint8Array {
    const limit = sizeArg(size);
    if (this.#sock === null) throw closedError();
    const out: number[] = [];
    const one = new Uint8Array(1);
    while (limit < 0 || out.length < limit) {
      let n: number;
      try {
        n = this.readinto(one);
      } catch (e) {
        if (e instanceof BlockingIOError && out.length > 0) break;
        throw e;
      }
      if (n === 0) break;
      out.push(one[0]);
      if (one[0] === 10) break;
    }
    return new Uint8Array(out);
  }

  flush(): void {
    if (this.#sock === null) throw closedError();
  }

  close(): void {
    const sock = this.#sock;
    if (sock === null) return;
    this.#sock = null;
    // Python's socket._decref_socketios().
    if (sock._io_refs > 0) sock._io_refs -= 1;
    if (sock._closed) sock.close();
  }

  readable(): boolean {
    if (this.#sock === null) throw closedError("I/O operation on closed socket.");
    return this.#reading;
  }

  writable(): boolean {
    if (this.#sock === null) throw closedError("I/O operation on closed socket.");
    return this.#writing;
  }

  seekable(): boolean {
    if (this.#sock === null) throw closedError("I/O operation on closed socket.");
    return false;
  }

  isatty(): boolean {
    if (this.#sock === null) throw closedError();
    return false;
  }

  fileno(): number {
    if (this.#sock === null) throw closedError();
    return this.#sock.fileno();
  }
}

// ---- buffered layer: BufferedReader, BufferedWriter, BufferedRWPair -----------------------

/** Result of a raw read that would block (non-blocking sockets). */
const WOULD_BLOCK = -2;

class Buffered extends FileBase<Uint8Array> {
  readonly #raw: SocketIO;
  readonly #size: number;
  readonly #reading: boolean;
  readonly #writing: boolean;
  /** Read buffer: bytes [#pos, #end) are buffered. */
  readonly #rbuf: Uint8Array | null;
  #pos = 0;
  #end = 0;
  /** Write buffer: bytes [#wpos, #wend) are waiting to be sent. */
  readonly #wbuf: Uint8Array | null;
  #wpos = 0;
  #wend = 0;
  /** The BlockingIOError of the last raw read that would block. */
  #blocked: BlockingIOError | null = null;

  constructor(raw: SocketIO, size: number, reading: boolean, writing: boolean) {
    super();
    this.#raw = raw;
    this.#size = size;
    this.#reading = reading;
    this.#writing = writing;
    this.#rbuf = reading ? new Uint8Array(size) : null;
    this.#wbuf = writing ? new Uint8Array(size) : null;
  }

  get mode(): string {
    return this.#raw.mode;
  }

  get name(): number {
    return this.#raw.name;
  }

  get closed(): boolean {
    return this.#raw.closed;
  }

  #pair(): boolean {
    return this.#reading && this.#writing;
  }

  #checkReader(what: string, closedMessage: string): Uint8Array {
    if (!this.#reading) throw new UnsupportedOperation(what);
    if (this.#raw.closed) throw closedError(closedMessage);
    return this.#rbuf!;
  }

  /** One raw read into `into`: the count, 0 at end of stream, or WOULD_BLOCK. */
  #rawRead(into: Uint8Array): number {
    try {
      return this.#raw.readinto(into);
    } catch (e) {
      if (e instanceof BlockingIOError) {
        this.#blocked = e;
        return WOULD_BLOCK;
      }
      throw e;
    }
  }

  /** Result of a read that got `data` (maybe partial) and stopped on `r` (0 or WOULD_BLOCK). */
  #partial(r: number, data: Uint8Array): Uint8Array {
    if (r === WOULD_BLOCK && data.length === 0) throw this.#blocked!;
    return data;
  }

  /** Reads once into the free tail of the read buffer; returns the count as #rawRead. */
  #fill(): number {
    const rbuf = this.#rbuf!;
    if (this.#pos === this.#end) this.#pos = this.#end = 0;
    const r = this.#rawRead(rbuf.subarray(this.#end));
    if (r > 0) this.#end += r;
    return r;
  }

  read(size: number | null = -1): Uint8Array {
    const n = sizeArg(size);
    if (n < -1) throw new RangeError("read length must be non-negative or -1");
    const rbuf = this.#checkReader("read", "read of closed file");
    if (n === -1) return this.#readall();
    const have = this.#end - this.#pos;
    if (n <= have) {
      const out = rbuf.slice(this.#pos, this.#pos + n);
      this.#pos += n;
      return out;
    }
    const out = new Uint8Array(n);
    out.set(rbuf.subarray(this.#pos, this.#end));
    let written = have;
    let remaining = n - have;
    this.#pos = this.#end = 0;
    // Whole buffer-sized blocks go straight into the result; the tail goes through the buffer.
    for (;;) {
      const block = remaining - (remaining % this.#size);
      if (block === 0) break;
      const r = this.#rawRead(out.subarray(written, written + block));
      if (r <= 0) return this.#partial(r, out.slice(0, written));
      written += r;
      remaining -= r;
    }
    // As Python (issue 9550): once satisfied, no further read that could block.
    while (remaining > 0 && this.#end < this.#size) {
      const r = this.#fill();
      if (r <= 0) return this.#partial(r, out.slice(0, written));
      const take = Math.min(remaining, this.#end - this.#pos);
      out.set(rbuf.subarray(this.#pos, this.#pos + take), written);
      this.#pos += take;
      written += take;
      remaining -= take;
    }
    return written === n ? out : out.slice(0, written);
  }

  #readall(): Uint8Array {
    const first = this.#rbuf!.slice(this.#pos, this.#end);
    this.#pos = this.#end = 0;
    let rest: Uint8Array;
    try {
      rest = this.#raw.readall();
    } catch (e) {
      if (e instanceof BlockingIOError && first.length > 0) return first;
      throw e;
    }
    if (first.length === 0) return rest;
    return concat([first, rest], first.length + rest.length);
  }

  read1(size = -1): Uint8Array {
    let n = toInt(size);
    const rbuf = this.#checkReader("read1", "read of closed file");
    if (n < 0) n = this.#size;
    if (n === 0) return EMPTY.slice();
    const have = this.#end - this.#pos;
    if (have > 0) {
      const take = Math.min(n, have);
      const out = rbuf.slice(this.#pos, this.#pos + take);
      this.#pos += take;
      return out;
    }
    this.#pos = this.#end = 0;
    const out = new Uint8Array(n);
    const r = this.#rawRead(out);
    if (r === WOULD_BLOCK) throw this.#blocked!;
    return r === n ? out : out.slice(0, r);
  }

  peek(_size = 0): Uint8Array {
    if (!this.#reading) {
      throw new TypeError("files opened without 'r' have no peek()");
    }
    const rbuf = this.#checkReader("peek", "peek of closed file");
    if (this.#end === this.#pos) {
      const r = this.#fill();
      if (r === WOULD_BLOCK) return EMPTY.slice();
    }
    return rbuf.slice(this.#pos, this.#end);
  }

  readinto(buffer: ArrayBufferView): number {
    const buf = toBytes(buffer);
    const rbuf = this.#checkReader("read", "readinto of closed file");
    const n = buf.length;
    let written = Math.min(n, this.#end - this.#pos);
    buf.set(rbuf.subarray(this.#pos, this.#pos + written));
    this.#pos += written;
    if (written === n) return written;
    this.#pos = this.#end = 0;
    while (written < n) {
      const remaining = n - written;
      let r: number;
      if (remaining > this.#size) {
        r = this.#rawRead(buf.subarray(written));
      } else {
        r = this.#fill();
        if (r > 0) {
          r = Math.min(r, remaining);
          buf.set(rbuf.subarray(this.#pos, this.#pos + r), written);
          this.#pos += r;
        }
      }
      if (r <= 0) {
        if (r === WOULD_BLOCK && written === 0) throw this.#blocked!;
        break;
      }
      written += r;
    }
    return written;
  }

  readline(size: number | null = -1): Uint8Array {
    let limit = sizeArg(size);
    if (!this.#reading) {
      // IOBase.readline over read(1).
      if (limit === 0) return EMPTY.slice();
      throw new UnsupportedOperation("read");
    }
    const rbuf = this.#checkReader(
      "read",
      this.#pair() ? "peek of closed file" : "readline of closed file",
    );
    let n = this.#end - this.#pos;
    if (limit >= 0 && n > limit) n = limit;
    let nl = rbuf.subarray(this.#pos, this.#pos + n).indexOf(10);
    if (nl >= 0 || n === limit) {
      const take = nl >= 0 ? nl + 1 : n;
      const out = rbuf.slice(this.#pos, this.#pos + take);
      this.#pos += take;
      return out;
    }
    const chunks: Uint8Array[] = [rbuf.slice(this.#pos, this.#pos + n)];
    let total = n;
    this.#pos += n;
    if (limit >= 0) limit -= n;
    for (;;) {
      this.#pos = this.#end = 0;
      const r = this.#fill();
      if (r <= 0) return this.#partial(r, concat(chunks, total));
      let m = r;
      if (limit >= 0 && m > limit) m = limit;
      nl = rbuf.subarray(0, m).indexOf(10);
      if (nl >= 0) m = nl + 1;
      chunks.push(rbuf.slice(0, m));
      total += m;
      this.#pos = m;
      if (nl >= 0 || m === limit) break;
      if (limit >= 0) limit -= m;
    }
    return concat(chunks, total);
  }

  write(data: Uint8Array): number {
    if (!this.#writing) throw new UnsupportedOperation("write");
    if (this.#raw.closed) throw closedError("write to closed file");
    const buf = toBytes(data);
    const wbuf = this.#wbuf!;
    if (this.#wpos === this.#wend) this.#wpos = this.#wend = 0;
    if (buf.length <= this.#size - this.#wend) {
      wbuf.set(buf, this.#wend);
      this.#wend += buf.length;
      return buf.length;
    }
    this.#flushBuffer();
    let written = 0;
    while (buf.length - written > this.#size) {
      written += this.#raw.write(buf.subarray(written));
    }
    wbuf.set(buf.subarray(written), 0);
    this.#wpos = 0;
    this.#wend = buf.length - written;
    return buf.length;
  }

  /** Sends the write buffer with as many send() calls as it takes (Python's raw write loop). */
  #flushBuffer(): void {
    const wbuf = this.#wbuf!;
    while (this.#wpos < this.#wend) {
      this.#wpos += this.#raw.write(wbuf.subarray(this.#wpos, this.#wend));
    }
    this.#wpos = this.#wend = 0;
  }

  flush(): void {
    if (!this.#writing) {
      if (this.#raw.closed) throw closedError();
      return;
    }
    if (this.#raw.closed) throw closedError("flush of closed file");
    this.#flushBuffer();
  }

  close(): void {
    if (this.#raw.closed) return;
    try {
      if (this.#writing) this.#flushBuffer();
    } finally {
      this.#raw.close();
    }
  }

  readable(): boolean {
    return this.#raw.readable();
  }

  writable(): boolean {
    return this.#raw.writable();
  }

  seekable(): boolean {
    return this.#pair() ? false : this.#raw.seekable();
  }

  isatty(): boolean {
    return this.#raw.isatty();
  }

  fileno(): number {
    if (this.#pair()) throw new UnsupportedOperation("fileno");
    return this.#raw.fileno();
  }
}

// ---- codecs -------------------------------------------------------------------------------

interface Codec {
  decode(data: Uint8Array, final: boolean): string;
  encode(text: string): Uint8Array;
}

interface TextSettings {
  encoding: string;
  errors: string;
  newline: string | null;
}

const encodingNames: Record<string, string> = {
  "utf8": "utf-8",
  "u8": "utf-8",
  "utf": "utf-8",
  "cp65001": "utf-8",
  "utf8sig": "utf-8-sig",
  "latin1": "latin-1",
  "latin": "latin-1",
  "l1": "latin-1",
  "iso88591": "latin-1",
  "8859": "latin-1",
  "cp819": "latin-1",
  "isoir100": "latin-1",
  "ascii": "ascii",
  "usascii": "ascii",
  "646": "ascii",
};

function textSettings(options: MakefileOptions): TextSettings {
  const { encoding, errors, newline } = options;
  if (encoding !== null && encoding !== undefined && typeof encoding !== "string") {
    throw new TypeError(
      `TextIOWrapper() argument 'encoding' must be str or None, not ${pyTypeName(encoding)}`,
    );
  }
  if (errors !== null && errors !== undefined && typeof errors !== "string") {
    throw new TypeError(
      `TextIOWrapper() argument 'errors' must be str or None, not ${pyTypeName(errors)}`,
    );
  }
  if (newline !== null && newline !== undefined) {
    if (typeof newline !== "string") {
      throw new TypeError(
        `TextIOWrapper() argument 'newline' must be str or None, not ${pyTypeName(newline)}`,
      );
    }
    if (newline !== "" && newline !== "\n" && newline !== "\r" && newline !== "\r\n") {
      throw new RangeError(`illegal newline value: ${newline}`);
    }
  }
  const name = encoding ?? "utf-8";
  const canonical = encodingNames[name.toLowerCase().replace(/[-_ ]/g, "")];
  if (canonical === undefined) {
    throw new RangeError(
      `unsupported encoding: ${name} (utf-8, utf-8-sig, latin-1 and ascii are supported)`,
    );
  }
  const handler = errors ?? "strict";
  if (handler !== "strict" && handler !== "replace") {
    throw new RangeError(
      `unsupported error handler name ${pyRepr(handler)} ("strict" and "replace" are supported)`,
    );
  }
  return { encoding: canonical, errors: handler, newline: newline ?? null };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function encodeError(codec: string, text: string, index: number, reason: string): RangeError {
  const c = text.codePointAt(index)!;
  return new RangeError(
    `'${codec}' codec can't encode character ${charRepr(c)} in position ${
      cpLength(text.slice(0, index))
    }: ${reason}`,
  );
}

/** Where and why `data` stops being UTF-8 (for the strict error message). */
function utf8Fault(data: Uint8Array, final: boolean): [number, string] | null {
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    let need: number;
    let lo = 0x80, hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return [i, "invalid start byte"];
    for (let k = 1; k <= need; k++) {
      if (i + k >= data.length) return final ? [i, "unexpected end of data"] : null;
      const c = data[i + k];
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) {
        return [i, "invalid continuation byte"];
      }
    }
    i += need + 1;
  }
  return null;
}

function makeCodec(settings: TextSettings): Codec {
  const strict = settings.errors === "strict";
  const name = settings.encoding;
  if (name === "utf-8" || name === "utf-8-sig") {
    const decoder = new TextDecoder("utf-8", { fatal: strict, ignoreBOM: name === "utf-8" });
    const encoder = new TextEncoder();
    let bom = name === "utf-8-sig";
    return {
      decode(data, final) {
        try {
          return decoder.decode(data, { stream: !final });
        } catch (e) {
          const fault = utf8Fault(data, final);
          const [pos, reason] = fault ?? [0, "invalid data"];
          throw new RangeError(
            `'utf-8' codec can't decode byte 0x${
              (data[pos] ?? 0).toString(16).padStart(2, "0")
            } in position ${pos}: ${reason}`,
            { cause: e },
          );
        }
      },
      encode(text) {
        if (strict) {
          LONE_SURROGATE.lastIndex = 0;
          const m = LONE_SURROGATE.exec(text);
          if (m) throw encodeError("utf-8", text, m.index, "surrogates not allowed");
        } else {
          text = text.replace(LONE_SURROGATE, "?");
        }
        const out = encoder.encode(text);
        if (!bom) return out;
        bom = false;
        const withBom = new Uint8Array(out.length + 3);
        withBom.set([0xef, 0xbb, 0xbf]);
        withBom.set(out, 3);
        return withBom;
      },
    };
  }
  const max = name === "ascii" ? 0x80 : 0x100;
  const range = max === 0x80 ? "range(128)" : "range(256)";
  return {
    decode(data) {
      let out = "";
      for (let i = 0; i < data.length; i += 4096) {
        const part = Array.from(data.subarray(i, i + 4096), (b, k) => {
          if (b < max) return b;
          if (strict) {
            throw new RangeError(
              `'${name}' codec can't decode byte 0x${b.toString(16)} in position ${
                i + k
              }: ordinal not in ${range}`,
            );
          }
          return 0xfffd;
        });
        out += String.fromCharCode(...part);
      }
      return out;
    },
    encode(text) {
      const out = new Uint8Array(text.length);
      let n = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.codePointAt(i)!;
        if (c < max) {
          out[n++] = c;
          continue;
        }
        if (strict) throw encodeError(name, text, i, `ordinal not in ${range}`);
        out[n++] = 0x3f;
        if (c > 0xffff) i++;
      }
      return out.subarray(0, n);
    },
  };
}

// ---- text layer: Python's io.TextIOWrapper ------------------------------------------------

class TextFile extends FileBase<string> {
  readonly #buffer: Buffered;
  readonly mode: string;
  readonly #codec: Codec;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #universal: boolean;
  readonly #translate: boolean;
  readonly #readnl: string | null;
  readonly #writenl: string | null;
  /** A "\r" held back by the newline decoder until the next character is known. */
  #pendingCR = false;
  /** Decoded characters not yet returned: #decoded.slice(#decodedPos). */
  #decoded = "";
  #decodedPos = 0;
  /** Encoded bytes not yet handed to the buffered layer. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(buffer: Buffered, mode: string, settings: TextSettings) {
    super();
    this.#buffer = buffer;
    this.mode = mode;
    this.#codec = makeCodec(settings);
    this.#readable = buffer.readable();
    this.#writable = buffer.writable();
    const nl = settings.newline;
    this.#universal = !nl;
    this.#translate = nl === null;
    this.#readnl = nl;
    // Python writes "\n" as `newline`, or as os.linesep ("\n" on POSIX) when it is None.
    this.#writenl = nl === "\r" || nl === "\r\n" ? nl : null;
  }

  get name(): number {
    return this.#buffer.name;
  }

  get closed(): boolean {
    return this.#buffer.closed;
  }

  #checkOpen(): void {
    if (this.#buffer.closed) throw closedError();
  }

  #decode(data: Uint8Array, final: boolean): string {
    let s = this.#codec.decode(data, final);
    if (!this.#universal) return s;
    // Python's IncrementalNewlineDecoder.
    if (this.#pendingCR && (s.length > 0 || final)) {
      s = "\r" + s;
      this.#pendingCR = false;
    }
    if (!final && s.endsWith("\r")) {
      s = s.slice(0, -1);
      this.#pendingCR = true;
    }
    if (this.#translate && s.includes("\r")) s = s.replace(/\r\n?/g, "\n");
    return s;
  }

  #setDecoded(s: string): void {
    this.#decoded = s;
    this.#decodedPos = 0;
  }

  /** Takes up to `n` code points (all when n is undefined) of the decoded characters. */
  #takeDecoded(n?: number): string {
    const start = this.#decodedPos;
    let end = this.#decoded.length;
    if (n !== undefined) {
      const i = cpIndex(this.#decoded.slice(start, start + 2 * n), n);
      if (i >= 0) end = start + i;
    }
    this.#decodedPos = end;
    return this.#decoded.slice(start, end);
  }

  /** Reads one chunk (one receive at most) and decodes it; false at end of stream. */
  #readChunk(): boolean {
    const input = this.#buffer.read1(CHUNK_SIZE);
    const eof = input.length === 0;
    this.#setDecoded(this.#decode(input, eof));
    return !eof;
  }

  #writeflush(): void {
    if (this.#pendingBytes === 0) return;
    const data = concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#buffer.write(data);
  }

  read(size: number | null = -1): string {
    this.#checkOpen();
    this.#writeflush();
    if (!this.#readable) throw new UnsupportedOperation("not readable");
    const n = sizeArg(size);
    if (n < 0) {
      const head = this.#takeDecoded();
      const tail = this.#decode(this.#buffer.read(), true);
      this.#setDecoded("");
      return head + tail;
    }
    let result = this.#takeDecoded(n);
    let count = cpLength(result);
    while (count < n) {
      const more = this.#readChunk();
      const got = this.#takeDecoded(n - count);
      result += got;
      count += cpLength(got);
      if (!more) break;
    }
    return result;
  }

  read1(_size = -1): string {
    throw new TypeError("text files have no read1(); use a binary mode");
  }

  peek(_size = 0): string {
    throw new TypeError("text files have no peek(); use a binary mode");
  }

  readinto(_buffer: ArrayBufferView): number {
    throw new TypeError("text files have no readinto(); use a binary mode");
  }

  /** The index just past the first line ending in `line` at or after `start`, or -1. */
  #lineEnd(line: string, start: number): number {
    if (this.#translate) {
      const i = line.indexOf("\n", start);
      return i < 0 ? -1 : i + 1;
    }
    if (this.#universal) {
      for (let i = start; i < line.length; i++) {
        const c = line.charCodeAt(i);
        if (c === 10) return i + 1;
        if (c === 13) return line.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      }
      return -1;
    }
    const nl = this.#readnl!;
    const i = line.indexOf(nl, Math.max(0, start - nl.length + 1));
    return i < 0 ? -1 : i + nl.length;
  }

  readline(size: number | null = -1): string {
    this.#checkOpen();
    const limit = sizeArg(size);
    this.#writeflush();
    if (!this.#readable) throw new UnsupportedOperation("not readable");
    let line = this.#takeDecoded();
    let start = 0;
    let end: number;
    for (;;) {
      end = this.#lineEnd(line, start);
      if (end >= 0) break;
      start = line.length;
      if (limit >= 0 && line.length >= limit) {
        const i = cpIndex(line, limit);
        if (i >= 0) {
          end = i;
          break;
        }
      }
      let more = this.#readChunk();
      while (more && this.#decoded.length === 0) more = this.#readChunk();
      if (this.#decoded.length === 0) {
        this.#setDecoded("");
        return line;
      }
      line += this.#takeDecoded();
    }
    if (limit >= 0) {
      const i = cpIndex(line, limit);
      if (i >= 0 && end > i) end = i;
    }
    // Give back what follows the line.
    this.#setDecoded(line.slice(end));
    return line.slice(0, end);
  }

  write(data: string): number {
    this.#checkOpen();
    if (typeof data !== "string") {
      throw new TypeError(`write() argument must be str, not ${pyTypeName(data)}`);
    }
    if (!this.#writable) throw new UnsupportedOperation("not writable");
    const length = cpLength(data);
    let text = data;
    if (this.#writenl !== null && text.includes("\n")) text = text.replaceAll("\n", this.#writenl);
    const bytes = this.#codec.encode(text);
    if (this.#pendingBytes + bytes.length > CHUNK_SIZE) this.#writeflush();
    this.#pending.push(bytes.slice());
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= CHUNK_SIZE) this.#writeflush();
    // As Python's TextIOWrapper.write: characters decoded but not yet read are dropped.
    this.#setDecoded("");
    this.#pendingCR = false;
    return length;
  }

  flush(): void {
    this.#checkOpen();
    this.#writeflush();
    this.#buffer.flush();
  }

  close(): void {
    if (this.#buffer.closed) return;
    try {
      this.flush();
    } finally {
      this.#buffer.close();
    }
  }

  readable(): boolean {
    return this.#buffer.readable();
  }

  writable(): boolean {
    return this.#buffer.writable();
  }

  seekable(): boolean {
    this.#checkOpen();
    return false;
  }

  isatty(): boolean {
    return this.#buffer.isatty();
  }

  fileno(): number {
    return this.#buffer.fileno();
  }
}
