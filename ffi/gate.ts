/**
 * A bound on the nonblocking calls in flight at once, shared by a backend's table entries:
 * the others wait their turn, in order, instead of failing (koffi refuses calls beyond its
 * limit) or of taking every thread of a pool that other work needs (Deno's blocking pool
 * has 32 threads, which the reactor's wait and Deno's own file operations share).
 *
 * @module
 */

/**
 * Runs at most `max` calls at once; further calls start, in order, as earlier ones settle.
 *
 * @example
 * ```ts
 * import { Gate } from "./gate.ts";
 * const gate = new Gate(1);
 * const slow = gate.run(() => new Promise<number>((resolve) => setTimeout(() => resolve(1), 10)));
 * const next = gate.run(() => Promise.resolve(2)); // starts once `slow` has settled
 * console.log(await slow, await next); // 1 2
 * ```
 */
export class Gate {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #next = (): void => {
    this.#active--;
    const start = this.#waiting.shift();
    if (start !== undefined) start();
  };

  /** A gate letting `max` (at least 1) calls run at once. */
  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  /** Calls `call` now, or once fewer than `max` calls run; settles as its Promise does. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#active < this.#max) return this.#start(call);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => this.#start(call).then(resolve, reject));
    });
  }

  #start<T>(call: () => Promise<T>): Promise<T> {
    this.#active++;
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (e) {
      // A call that fails at once fails alone.
      promise = Promise.reject(e);
    }
    promise.then(this.#next, this.#next);
    return promise;
  }
}
