/**
 * `socket.makefile()`: a file object over a connected socket, layered as Python's is.
 *
 * - the raw layer (`io/socketio.ts`, Python's `socket.SocketIO`) calls `sock.recv_into` and
 *   `sock.send`;
 * - the buffered layer (`io/buffered.ts`: `io.BufferedReader`, `io.BufferedWriter`,
 *   `io.BufferedRWPair`) keeps a read buffer and a write buffer of `buffering` bytes (8192 by
 *   default);
 * - the text layer (`io/textio.ts`, `io.TextIOWrapper`) decodes and encodes through
 *   `io/codecs.ts` (UTF-8 by default, streaming, so a character split between two receives is
 *   decoded whole) and translates newlines.
 *
 * What they share (Python's `io.IOBase`) is `io/base.ts`'s. This module keeps `makefile()`
 * itself, which stacks the layers.
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
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * const [a, b] = socket.socketpair();
 * const w = a.makefile("w");
 * w.write("first\nsecond\n");
 * w.flush();
 * const r = b.makefile("r");
 * assert.strictEqual(r.readline(), "first\n");
 * w.close();
 * a.close();
 * assert.strictEqual(r.read(), "second\n");
 * r.close();
 * b.close();
 * ```
 *
 * @module
 */
import { pyTypeName, toInt } from "./args.ts";
import { pyRepr } from "./repr.ts";
import { DEFAULT_BUFFER_SIZE, type SocketFile } from "./io/base.ts";
import { type FileSocket, SocketIO } from "./io/socketio.ts";
import { Buffered } from "./io/buffered.ts";
import { type MakefileOptions, TextFile, type TextSettings, textSettings } from "./io/textio.ts";

export { type SocketFile, UnsupportedOperation } from "./io/base.ts";
export type { FileSocket } from "./io/socketio.ts";
export type { MakefileOptions } from "./io/textio.ts";

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
 * import assert from "node:assert";
 * import * as socket from "./mod.ts";
 * import { makefile } from "./makefile.ts";
 * const [a, b] = socket.socketpair();
 * const w = makefile(a, "wb", 0, {});
 * assert.strictEqual(w.write(new Uint8Array([1, 2, 3])), 3);
 * const r = makefile(b, "rb", null, {});
 * assert.deepStrictEqual(r.read(3), new Uint8Array([1, 2, 3]));
 * w.close();
 * r.close();
 * a.close();
 * b.close();
 * ```
 */
export function makefile<M extends string>(
  sock: FileSocket,
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
