/**
 * The raw layer of a socket's file object (Python's `socket.SocketIO`): reads call
 * `recv_into` and writes call `send` on the socket, nothing buffered.
 *
 * @module
 */
import { BlockingIOError, OSError, TimeoutError } from "../errors.ts";
import { toBytes } from "../args.ts";
import {
  closedError,
  concat,
  DEFAULT_BUFFER_SIZE,
  EMPTY,
  FileBase,
  sizeArg,
  UnsupportedOperation,
} from "./base.ts";

/**
 * What the file object needs of a socket (socket.ts's class has it; this module does not
 * import it).
 */
export interface FileSocket {
  recv_into(buffer: Uint8Array): number;
  send(data: Uint8Array): number;
  fileno(): number;
  close(): void;
  /** The count of open file objects over the socket (Python's `_io_refs`). */
  _io_refs: number;
  /** Whether close() was called on the socket itself. */
  readonly _closed: boolean;
}

export class SocketIO extends FileBase<Uint8Array> {
  #sock: FileSocket | null;
  readonly #reading: boolean;
  readonly #writing: boolean;
  #timedOut = false;
  readonly mode: string;

  constructor(sock: FileSocket, mode: string) {
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
