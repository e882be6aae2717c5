/**
 * The reactor's operation record ({@link Op}: one system call to retry until it would
 * not block, and how its Promise settles) and the FIFO of records queued on one
 * descriptor and direction ({@link OpQueue}).
 *
 * @module
 */

/** What a step returns when its system call would block (EAGAIN). */
export const AGAIN: unique symbol = Symbol("AGAIN");

/** One attempt of an operation given as a closure ({@link submit}). */
export type Step<T> = () => T | typeof AGAIN;

/**
 * One attempt of an operation ({@link perform}): reads its arguments from `op`, returns
 * the result or {@link AGAIN}; throws on failure. A module-level function, so that an
 * operation allocates no closure.
 */
export type OpStep<T> = (op: Op<T>) => T | typeof AGAIN;

/** A function that does nothing (the unset callbacks). */
export const noop = (): void => {};

/**
 * An operation: its arguments (for its step) and, once queued, how it settles. (Records
 * are not pooled: a pooled record lives in the old generation, and every young object
 * stored into it then costs the garbage collector more than a fresh record: W7 was 8%
 * slower with a pool.)
 */
export class Op<T = unknown> {
  fd = -1;
  writing = false;
  syscall = "";
  step: OpStep<T> = noop as unknown as OpStep<T>;
  /** The socket the step works on. */
  sock: unknown = null;
  /** The step's buffer. */
  buf: Uint8Array | null = null;
  /** A count for the step (a buffer operation's: the view's byte count at the call). */
  n = 0;
  /** The step's progress (bytes sent so far), kept across attempts. */
  done = 0;
  /** Anything else the step needs. */
  aux: unknown = null;
  resolve: (value: T) => void = noop;
  reject: (error: unknown) => void = noop;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  /**
   * The count of completed operations of the other direction when this one last found
   * its call would block: only a completion since then (a send for a reader, a receive
   * for a writer) can have made it ready without the kernel telling us.
   */
  seen = -1;
  /** Queued without a first attempt (predicted to block). */
  skipped = false;

  /** Retries the system call: true when the operation is over (settled). */
  attempt(): boolean {
    let value: T | typeof AGAIN;
    try {
      value = this.step(this);
    } catch (e) {
      this.#done();
      this.reject(e);
      return true;
    }
    if (value === AGAIN) return false;
    this.#done();
    this.resolve(value);
    return true;
  }

  /** Settles the operation with `error`. */
  fail(error: unknown): void {
    this.#done();
    this.reject(error);
  }

  #done(): void {
    if (this.onAbort !== undefined) this.signal!.removeEventListener("abort", this.onAbort);
  }
}

/**
 * A FIFO of operations whose slots are reused: an array used with push/shift would get a
 * new backing store for nearly every operation (shift trims it; the next push regrows it).
 */
export class OpQueue {
  #items: (Op | undefined)[] = [];
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  /** The oldest operation, if any. */
  first(): Op | undefined {
    return this.#start < this.#end ? this.#items[this.#start] : undefined;
  }

  push(op: Op): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#items[this.#end++] = op;
  }

  /** Drops the oldest operation. */
  shift(): void {
    this.#items[this.#start++] = undefined;
  }

  /** Takes `op` out; false if it is not queued. */
  remove(op: Op): boolean {
    const items = this.#items;
    for (let i = this.#start; i < this.#end; i++) {
      if (items[i] !== op) continue;
      for (let j = i + 1; j < this.#end; j++) items[j - 1] = items[j];
      items[--this.#end] = undefined;
      return true;
    }
    return false;
  }

  /** Takes every operation out, oldest first. */
  drain(): Op[] {
    const all = this.#items.slice(this.#start, this.#end) as Op[];
    this.#items.fill(undefined, this.#start, this.#end);
    this.#start = this.#end = 0;
    return all;
  }
}

/**
 * The error of an operation whose buffer no longer holds the `need` bytes it had at the
 * call (resized or detached while the operation was pending): RangeError, Python's
 * ValueError for a released buffer. Checked before each system call, so nothing was
 * received into it; a send says how much it had sent (`bytes_sent`).
 *
 * @example
 * ```ts
 * import { bufferGone } from "./op.ts";
 * const ab = new ArrayBuffer(8, { maxByteLength: 8 });
 * const view = new Uint8Array(ab);
 * ab.resize(2);
 * console.log(bufferGone(view, 8, "recv_into").message); // "recv_into(): the buffer shrank ..."
 * ```
 */
export function bufferGone(data: Uint8Array, need: number, syscall: string, sent = -1): RangeError {
  const buffer = data.buffer as ArrayBuffer & { detached?: boolean };
  // No `detached` before Node 22: a detached buffer's maxByteLength is 0.
  const detached = buffer.detached ?? (buffer.maxByteLength ?? buffer.byteLength) === 0;
  const what = detached
    ? "was detached"
    : `shrank (the view holds ${data.length} of its ${need} bytes)`;
  const error = new RangeError(
    `${syscall}(): the buffer ${what} while the operation was pending` +
      (sent < 0 ? "" : `; ${sent} of ${need} bytes were sent`),
  );
  if (sent >= 0) Object.assign(error, { bytes_sent: sent });
  return error;
}
