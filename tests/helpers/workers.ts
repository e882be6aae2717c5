/**
 * Starting `workers_child.ts` as a Worker on the running runtime (a web Worker under Deno,
 * a `worker_threads` Worker under Node and Bun) and talking to it: one command, its answers
 * in order.
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import type { Command } from "./workers_child.ts";

/** An answer of the Worker (see workers_child.ts). */
// deno-lint-ignore no-explicit-any
export type Answer = Record<string, any>;

/** A running Worker of workers_child.ts. */
export interface ChildWorker {
  /** Sends a command. */
  send(command: Command): void;
  /** The next answer (queued ones first); rejects on `{ error }` or when the Worker fails. */
  next(): Promise<Answer>;
  /** Stops the Worker at once. */
  terminate(): Promise<void>;
}

const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
/** The Worker script, next to this file (.ts from the sources, .js in the npm build). */
export const CHILD_URL: URL = new URL(`./workers_child${ext}`, import.meta.url);

/**
 * Starts a Worker of workers_child.ts: a web Worker under Deno, a `worker_threads` Worker
 * under Node and Bun; with `other`, the other kind (Deno and Bun have both; Node only the
 * one).
 */
export function startWorker(other = false): ChildWorker {
  const answers: Answer[] = [];
  const waiters: [(a: Answer) => void, (e: unknown) => void][] = [];
  let failure: unknown;
  const deliver = (a: Answer) => {
    const waiter = waiters.shift();
    if (waiter === undefined) answers.push(a);
    else if (a.error !== undefined) waiter[1](new Error(`worker: ${a.error}`));
    else waiter[0](a);
  };
  const fail = (e: unknown) => {
    failure = e;
    for (const [, reject] of waiters.splice(0)) reject(e);
  };
  let send: (c: Command) => void;
  let terminate: () => Promise<void>;
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  const web = scope.Deno ? !other : other && scope.Bun !== undefined;
  const WebWorker = web ? scope.Worker : undefined;
  if (WebWorker !== undefined) {
    const w = new WebWorker(CHILD_URL.href, { type: "module" });
    w.onmessage = (e: MessageEvent<Answer>) => deliver(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      fail(new Error(`worker failed: ${e.message}`));
    };
    send = (c) => w.postMessage(c);
    terminate = () => {
      w.terminate();
      return Promise.resolve();
    };
  } else {
    const w = new NodeWorker(CHILD_URL);
    w.on("message", deliver);
    w.on("error", fail);
    send = (c) => w.postMessage(c);
    terminate = async () => {
      await w.terminate();
    };
  }
  return {
    send,
    terminate,
    next() {
      const a = answers.shift();
      if (a !== undefined) {
        return a.error !== undefined
          ? Promise.reject(new Error(`worker: ${a.error}`))
          : Promise.resolve(a);
      }
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.push([resolve, reject]));
    },
  };
}

/** Sends `command` and returns the Worker's next answer. */
export function ask(worker: ChildWorker, command: Command): Promise<Answer> {
  worker.send(command);
  return worker.next();
}
