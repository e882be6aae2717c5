/**
 * Argument checks with Python's error classes and messages: what CPython's
 * argument parsing does for the socket module, done before anything reaches libc.
 *
 * @module
 */

/** Python's name for the type of a JS value, for TypeError messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "function":
      return "function";
  }
  if (Array.isArray(value)) return "array"; // Python's tuple
  if (value instanceof Uint8Array) return "bytes";
  if (ArrayBuffer.isView(value)) return "memoryview";
  if (value instanceof ArrayBuffer) return "bytearray";
  // A plain object is what a Python caller would pass as a dict.
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return "dict";
  return (value as object).constructor?.name ?? "object";
}

/**
 * An integer argument (a number with an integral value, a bigint, or a boolean as 0/1), as
 * Python's `__index__`: a float or anything else is a TypeError. Always returns a number: a
 * bigint beyond the safe-integer range becomes +-Number.MAX_VALUE, so that every range
 * check the caller makes fails for it.
 */
export function toInt(value: unknown): number {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value;
    throw new TypeError("'float' object cannot be interpreted as an integer");
  }
  if (typeof value === "bigint") {
    // Out-of-range bigints become +-Infinity-like sentinels that fail every range check.
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_VALUE;
    if (value < BigInt(Number.MIN_SAFE_INTEGER)) return -Number.MAX_VALUE;
    return Number(value);
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new TypeError(`'${pyTypeName(value)}' object cannot be interpreted as an integer`);
}

/** An int argument that must fit a C int (OverflowError -> RangeError otherwise). */
export function toCInt(value: unknown): number {
  const n = toInt(value);
  if (n > 0x7fffffff) throw new RangeError("signed integer is greater than maximum");
  if (n < -0x80000000) throw new RangeError("signed integer is less than minimum");
  return n;
}

/**
 * A bytes-like argument as a Uint8Array view of the same memory (no copy).
 * Strings are refused, as Python refuses str where it wants bytes.
 */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    return new Uint8Array(value);
  }
  throw new TypeError(`a bytes-like object is required, not '${pyTypeName(value)}'`);
}

/** A str argument; `fn` and `position` give Python's message "f() argument N must be str, not X". */
export function toStr(value: unknown, fn: string, position: number): string {
  if (typeof value === "string") return value;
  throw new TypeError(`${fn}() argument ${position} must be str, not ${pyTypeName(value)}`);
}

const encoder = new TextEncoder();

/** A lone (unpaired) UTF-16 surrogate. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A JS string as the UTF-8 bytes libc gets, refusing what Python's "utf-8" codec
 * refuses: a lone surrogate raises Python's UnicodeEncodeError message (a RangeError
 * here) instead of becoming U+FFFD. With `surrogateescape` (Python's file-system
 * encoding, for paths and interface names) U+DC80-U+DCFF stand for the bytes 0x80-0xFF.
 * Every string this module hands to libc goes through here.
 */
export function encodeUtf8(text: string, surrogateescape = false): Uint8Array {
  if (!LONE_SURROGATE.test(text)) return encoder.encode(text);
  const bytes: number[] = [];
  const chars = Array.from(text); // code points; a lone surrogate is one item
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i].codePointAt(0)!;
    if (c < 0xd800 || c > 0xdfff) {
      for (const b of encoder.encode(chars[i])) bytes.push(b);
    } else if (surrogateescape && c >= 0xdc80 && c <= 0xdcff) {
      bytes.push(c - 0xdc00);
    } else {
      let end = i + 1;
      while (end < chars.length && /^[\ud800-\udfff]$/.test(chars[end])) end++;
      const what = end - i === 1
        ? `character '\\u${c.toString(16)}' in position ${i}`
        : `characters in position ${i}-${end - 1}`;
      throw new RangeError(`'utf-8' codec can't encode ${what}: surrogates not allowed`);
    }
  }
  return Uint8Array.from(bytes);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The length of the valid UTF-8 sequence at `b[i]`, or 0 when it is not one. */
function utf8SequenceAt(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let need: number, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) need = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    if (c === 0xe0) lo = 0xa0; // no overlong forms
    if (c === 0xed) hi = 0x9f; // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f; // nothing past U+10FFFF
  } else return 0;
  for (let k = 1; k <= need; k++) {
    const d = b[i + k];
    if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return 0;
  }
  return need + 1;
}

/**
 * Bytes from the kernel (an AF_UNIX path) as Python's file-system decoding gives them:
 * UTF-8, and each byte that is not part of valid UTF-8 as U+DC80-U+DCFF (surrogateescape),
 * so that the name round-trips through {@link encodeUtf8} with `surrogateescape`.
 */
export function decodeFsName(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let out = "";
    for (let i = 0; i < bytes.length;) {
      const n = utf8SequenceAt(bytes, i);
      if (n === 0) {
        out += String.fromCharCode(0xdc00 + bytes[i]);
        i++;
      } else {
        out += strictUtf8.decode(bytes.subarray(i, i + n));
        i += n;
      }
    }
    return out;
  }
}

/**
 * A NUL-terminated C string from a JS string (UTF-8, see {@link encodeUtf8}). A string
 * holding NUL raises Python's ValueError "embedded null character" (a RangeError here)
 * unless the caller passes another error as `nulError`.
 */
export function cString(
  text: string,
  nulError: (msg: string) => Error = (m) => new RangeError(m),
  surrogateescape = false,
): Uint8Array {
  if (text.includes("\0")) throw nulError("embedded null character");
  const bytes = encodeUtf8(text, surrogateescape);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** "1 argument", "2 arguments". */
function count(n: number, what = "argument"): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/**
 * Python's argument-count check of a C method (PyArg_ParseTuple: "send() takes at most
 * 2 arguments (3 given)"; `min === max` says "exactly"). Call sites pass
 * `arguments.length`: an extra argument is an error, never silently ignored.
 */
export function checkArgs(fn: string, given: number, min: number, max: number): void {
  if (given >= min && given <= max) return;
  const bound = min === max ? "exactly" : given < min ? "at least" : "at most";
  throw new TypeError(`${fn}() takes ${bound} ${count(given < min ? min : max)} (${given} given)`);
}

/** A C method of exactly one argument (METH_O): "socket.bind() takes exactly one argument (2 given)". */
export function checkOneArgument(fn: string, given: number): void {
  if (given !== 1) throw new TypeError(`${fn}() takes exactly one argument (${given} given)`);
}

/** A C method of no arguments (METH_NOARGS): "socket.fileno() takes no arguments (1 given)". */
export function checkNoArguments(fn: string, given: number): void {
  if (given !== 0) throw new TypeError(`${fn}() takes no arguments (${given} given)`);
}

/**
 * A method written in Python (socket.py): `params` are its positional parameters after
 * self, the first `required` of them without default; Python's messages count self
 * ("socket.sendfile() takes from 2 to 4 positional arguments but 5 were given").
 */
export function checkPositional(
  fn: string,
  given: number,
  params: readonly string[],
  required = params.length,
  self = true,
): void {
  if (given < required) {
    const missing = params.slice(given, required).map((p) => `'${p}'`);
    const names = missing.length === 1
      ? missing[0]
      : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
    throw new TypeError(
      `${fn}() missing ${count(missing.length, "required positional argument")}: ${names}`,
    );
  }
  if (given <= params.length) return;
  const extra = self ? 1 : 0;
  const lo = required + extra, hi = params.length + extra;
  const takes = lo === hi
    ? count(hi, "positional argument")
    : `from ${lo} to ${hi} positional arguments`;
  const n = given + extra;
  throw new TypeError(`${fn}() takes ${takes} but ${n} ${n === 1 ? "was" : "were"} given`);
}
