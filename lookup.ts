/**
 * What the resolver's lookups share: request buffers carved from one ArrayBuffer, and the
 * driver that runs a lookup's C calls on the calling thread (sync) or on another (async).
 *
 * Each lookup is written once, as a generator that builds its request buffers, yields each
 * C call, and parses what came back. Every asynchronous request owns its buffers, so any
 * number may be in flight at once.
 *
 * @module
 */
import { table } from "./constants/mod.ts";

const S = table.sys;

import { decodeCString } from "./cmem.ts";
export { littleEndian, nulTerminated } from "./cmem.ts";

// ---------------------------------------------------------------------------
// Memory helpers

/**
 * Carves one ArrayBuffer into 8-byte aligned views. One backing store per
 * request keeps every buffer off the JS heap and alive as long as the request.
 */
export function arena(...sizes: number[]): Uint8Array[] {
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(Math.max(size, 1) / 8) * 8;
  }
  const buffer = new ArrayBuffer(Math.max(total, 128));
  return sizes.map((size, i) => new Uint8Array(buffer, offsets[i], size));
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The text before the first NUL of a buffer (UTF-8). */
export function cText(bytes: Uint8Array): string {
  return decodeCString(bytes);
}

/** The size of a C pointer. */
export const POINTER_SIZE: number = S.SIZEOF_POINTER;

// ---------------------------------------------------------------------------
// Running C calls synchronously or off-thread

/** One C call a lookup needs: run here (sync) or on another thread (async). */
export interface Call {
  sync(): number;
  async(): Promise<number>;
}

/** A lookup: yields its C calls, receives their results, returns its answer. */
export type Lookup<T> = Generator<Call, T, number>;

export function runSync<T>(lookup: Lookup<T>): T {
  let step = lookup.next();
  while (!step.done) step = lookup.next(step.value.sync());
  return step.value;
}

/** The last argument of the `_async` resolvers. */
export interface ResolverOptions {
  /**
   * Stops waiting: the promise rejects with `signal.reason` at once. The C call on the
   * other thread cannot be interrupted; it runs to its end and its result is freed.
   */
  signal?: AbortSignal;
}

/** Runs a lookup off-thread; an abort of `signal` rejects at once, the lookup finishes unseen. */
export function runAsync<T>(lookup: Lookup<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return drive(lookup);
  if (signal.aborted) return Promise.reject(signal.reason);
  const done = drive(lookup);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    done.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function drive<T>(lookup: Lookup<T>): Promise<T> {
  let step = lookup.next();
  while (!step.done) {
    let result: number;
    try {
      result = await step.value.async();
    } catch (e) {
      step = lookup.throw(e);
      continue;
    }
    step = lookup.next(result);
  }
  return step.value;
}
