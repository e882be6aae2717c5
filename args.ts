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
  return (value as object).constructor?.name ?? "object";
}

/**
 * An integer argument (a number with an integral value, or a bigint), as Python's
 * `__index__`: a float or anything else is a TypeError. Returns a number when the
 * value is a safe integer, else a bigint (callers range-check).
 */
export function toInt(value: unknown): number {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value;
    if (Number.isFinite(value)) {
      throw new TypeError("'float' object cannot be interpreted as an integer");
    }
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

/** An unsigned int argument (C `unsigned int`), with Python's messages. */
export function toCUInt(value: unknown): number {
  const n = toInt(value);
  if (n < 0) throw new RangeError("can't convert negative value to unsigned int");
  if (n > 0xffffffff) throw new RangeError("Python int too large to convert to C unsigned long");
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

/**
 * A NUL-terminated C string from a JS string (UTF-8). A string holding NUL raises
 * Python's ValueError "embedded null character" (a RangeError here) unless the caller
 * passes another error as `nulError`.
 */
export function cString(
  text: string,
  nulError: (msg: string) => Error = (m) => new RangeError(m),
): Uint8Array {
  if (text.includes("\0")) throw nulError("embedded null character");
  const out = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, out);
  return out.subarray(0, written + 1);
}

/** A NUL-terminated C string from bytes, refusing embedded NUL. */
export function cStringFromBytes(bytes: Uint8Array, nulError: (msg: string) => Error): Uint8Array {
  if (bytes.includes(0)) throw nulError("embedded null byte");
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
