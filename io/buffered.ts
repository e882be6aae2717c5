/**
 * The buffered layer of a socket's file object (Python's `io.BufferedReader`,
 * `io.BufferedWriter` and `io.BufferedRWPair`, in one class): a read buffer and a write
 * buffer of `buffering` bytes over the raw {@link SocketIO}.
 *
 * @module
 */
import { BlockingIOError } from "../errors.ts";
import { toBytes, toInt } from "../args.ts";
import { closedError, concat, EMPTY, FileBase, sizeArg, UnsupportedOperation } from "./base.ts";
import type { SocketIO } from "./socketio.ts";

/** Result of a raw read that would block (non-blocking sockets). */
const WOULD_BLOCK = -2;

export class Buffered extends FileBase<Uint8Array> {
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
