/**
 * The text layer of a socket's file object (Python's `io.TextIOWrapper`): decodes and
 * encodes through io/codecs.ts and translates newlines, over the buffered layer.
 *
 * @module
 */
import { pyTypeName } from "../args.ts";
import { pyRepr } from "../repr.ts";
import { closedError, concat, cpLength, FileBase, sizeArg, UnsupportedOperation } from "./base.ts";
import type { Buffered } from "./buffered.ts";
import { type Codec, codecName, makeCodec } from "./codecs.ts";

/** The text layer's read and write chunk (TextIOWrapper._CHUNK_SIZE). */
const CHUNK_SIZE = 8192;

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

/** The checked text options. */
export interface TextSettings {
  encoding: string;
  errors: string;
  newline: string | null;
}

/** Checks makefile()'s text options as TextIOWrapper() does. */
export function textSettings(options: MakefileOptions): TextSettings {
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
  const canonical = codecName(name);
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

export class TextFile extends FileBase<string> {
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
