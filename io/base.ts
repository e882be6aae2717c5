/**
 * What every layer of a socket's file object shares (Python's `io.IOBase`): the
 * {@link SocketFile} interface, {@link UnsupportedOperation}, the line iteration and
 * `readlines`/`writelines` written once over `readline`/`write`, and small helpers.
 *
 * @module
 */
import { OSError } from "../errors.ts";
import { toInt } from "../args.ts";

/** Python's io.DEFAULT_BUFFER_SIZE. */
export const DEFAULT_BUFFER_SIZE = 8192;
/** An empty result (sliced before it is returned, so callers never share it). */
export const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Python's `io.UnsupportedOperation`: the file was not opened for this operation (reading a
 * file opened "w", writing one opened "r", fileno() of a read-write pair). An OSError (Python's
 * is both an OSError and a ValueError).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "../mod.ts";
 * const [a, b] = socket.socketpair();
 * const f = a.makefile("w");
 * try {
 *   f.read();
 * } catch (e) {
 *   assert.ok(e instanceof socket.UnsupportedOperation);
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
 * import assert from "node:assert";
 * import * as socket from "../mod.ts";
 * const [a, b] = socket.socketpair();
 * a.sendall(new Uint8Array([104, 105, 10]));
 * a.close();
 * const f = b.makefile("rb");
 * assert.deepStrictEqual([...f], [new Uint8Array([104, 105, 10])]);
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

/** The number of code points in `s` (Python's len()). */
export function cpLength(s: string): number {
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

export function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export function closedError(message = "I/O operation on closed file."): RangeError {
  return new RangeError(message);
}

/** A read size argument: null/undefined -> -1; else an integer. */
export function sizeArg(size: unknown): number {
  return size === null || size === undefined ? -1 : toInt(size);
}

export abstract class FileBase<T extends string | Uint8Array> implements SocketFile<T> {
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
