/**
 * Web streams and `for await` over a connected socket, on top of the asyncio functions
 * (`sock_recv`, `sock_sendall`): what `pipeTo`, `pipeThrough`, `TextDecoderStream`,
 * `Response` and the other stream consumers of Deno, Node and Bun take.
 *
 * ```ts
 * import * as socket from "./mod.ts";
 * import { socketStreams } from "./streams.ts";
 *
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * const left = socketStreams(a);
 * const right = socketStreams(b);
 * const writer = left.writable.getWriter();
 * await writer.write(new TextEncoder().encode("hello"));
 * await writer.close(); // shutdown(SHUT_WR): the other side reads to its end
 * console.log(await new Response(right.readable).text()); // "hello"
 * await right.writable.close(); // both sides of b done: b is closed
 * ```
 *
 * @module
 */
import { table } from "./constants/mod.ts";
import type { socket } from "./socket.ts";
import { sock_recv, sock_sendall } from "./asyncio.ts";

const SHUT_WR = table.constants.SHUT_WR!;

/** Options of {@link socketStreams} and {@link recv_chunks}. */
export interface StreamOptions {
  /** The most bytes one read asks for (one `sock_recv`); default 65536. */
  chunkSize?: number;
  /**
   * Stops everything: a pending read or write rejects with `signal.reason`, the streams
   * error, and (for {@link socketStreams}) the socket is closed.
   */
  signal?: AbortSignal;
}

/** A connected socket as a pair of web streams. */
export interface SocketStreams {
  /**
   * The bytes received, one chunk per `sock_recv`, read only as fast as it is consumed
   * (the kernel's receive buffer, then the peer's TCP window, hold the rest). It ends
   * when the peer shuts down its sending side; `cancel()` stops reading.
   */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Each chunk sent whole (`sock_sendall`); a write settles when the kernel took all of
   * it, so `writer.ready` is the backpressure. `close()` shuts the sending side down
   * (the peer reads to its end), `abort()` stops a write in progress.
   */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once both streams are done and the socket is closed. */
  readonly closed: Promise<void>;
  /** Cancels the readable, aborts the writable, and waits for the socket to close. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A `ReadableStream`/`WritableStream` pair over a connected, non-blocking stream socket.
 * The streams own the socket: it is closed when both are done (the readable at its end,
 * cancelled or errored; the writable closed, aborted or errored), or on `signal`'s abort.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { socketStreams } from "./streams.ts";
 *
 * // an echo: what one side writes comes back through the other's pipe
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * const echo = socketStreams(b);
 * const piped = echo.readable.pipeTo(echo.writable); // ends b's writing at a's end
 * await using client = socketStreams(a);
 * const writer = client.writable.getWriter();
 * await writer.write(new TextEncoder().encode("ping"));
 * await writer.close();
 * console.log(await new Response(client.readable).text()); // "ping"
 * await piped;
 * ```
 */
export function socketStreams(sock: socket, options: StreamOptions = {}): SocketStreams {
  const chunkSize = checkedChunkSize(options.chunkSize);
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => stop.abort(outer!.reason);
  if (outer?.aborted) stop.abort(outer.reason);
  else outer?.addEventListener("abort", onOuterAbort, { once: true });

  let open = 2;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => markClosed = resolve);
  const sideDone = () => {
    if (--open > 0) return;
    outer?.removeEventListener("abort", onOuterAbort);
    sock.close();
    markClosed();
  };
  const once = (fn: () => void) => {
    let called = false;
    return () => {
      if (!called) {
        called = true;
        fn();
      }
    };
  };
  const readDone = once(sideDone);
  const writeDone = once(sideDone);

  let readController!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      readController = controller;
    },
    async pull(controller) {
      let data: Uint8Array;
      try {
        data = await sock_recv(sock, chunkSize, { signal: stop.signal });
      } catch (e) {
        readDone();
        throw e;
      }
      if (data.length === 0) {
        controller.close();
        readDone();
      } else {
        controller.enqueue(data);
      }
    },
    cancel() {
      readDone();
    },
  }, { highWaterMark: 0 });

  let writeSignal: AbortSignal = stop.signal;
  let writeController!: WritableStreamDefaultController;
  const writable = new WritableStream<Uint8Array>({
    start(controller) {
      writeController = controller;
      // controller.signal aborts a write in progress (abort() alone waits for it)
      if (controller.signal) writeSignal = eitherSignal(stop.signal, controller.signal);
    },
    async write(chunk) {
      try {
        await sock_sendall(sock, chunk, { signal: writeSignal });
      } catch (e) {
        writeDone();
        throw e;
      }
    },
    close() {
      try {
        sock.shutdown(SHUT_WR);
      } finally {
        writeDone();
      }
    },
    abort() {
      writeDone();
    },
  }, { highWaterMark: 1 });

  // An abort of `signal` ends both sides even when nothing is pending.
  stop.signal.addEventListener("abort", () => {
    for (const controller of [readController, writeController]) {
      try {
        controller.error(stop.signal.reason);
      } catch { /* already closed */ }
    }
    readDone();
    writeDone();
  }, { once: true });

  return {
    readable,
    writable,
    closed,
    async [Symbol.asyncDispose]() {
      if (open > 0) stop.abort(new DOMException("the streams were disposed", "AbortError"));
      await closed;
    },
  };
}

/**
 * The chunks received on a connected, non-blocking stream socket, for `for await`,
 * until the peer shuts down its sending side. Leaving the loop early (`break`, `return`,
 * an exception) stops reading; the socket stays open and is the caller's to close.
 *
 * @example
 * ```ts
 * import * as socket from "./mod.ts";
 * import { sock_sendall } from "./asyncio.ts";
 * import { recv_chunks } from "./streams.ts";
 *
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * await sock_sendall(a, new TextEncoder().encode("one line\n"));
 * a.shutdown(socket.SHUT_WR);
 * let text = "";
 * for await (const chunk of recv_chunks(b)) text += new TextDecoder().decode(chunk);
 * console.log(text); // "one line\n"
 * a.close();
 * b.close();
 * ```
 */
export function recv_chunks(
  sock: socket,
  options: StreamOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return chunks(sock, checkedChunkSize(options.chunkSize), options.signal);
}

async function* chunks(
  sock: socket,
  chunkSize: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (;;) {
    const data = await sock_recv(sock, chunkSize, { signal });
    if (data.length === 0) return;
    yield data;
  }
}

/** An AbortSignal aborted when either is (AbortSignal.any, which Node 18 lacks). */
function eitherSignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any([a, b]);
  const both = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) both.abort(signal.reason);
    else signal.addEventListener("abort", () => both.abort(signal.reason), { once: true });
  }
  return both.signal;
}

function checkedChunkSize(size: number | undefined): number {
  if (size === undefined) return 65536;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new RangeError(`chunkSize must be a positive integer, not ${size}`);
  }
  return size;
}
