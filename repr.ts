/**
 * Python's `repr()` of the values error messages and socket reprs print: str, bytes, and
 * tuples of them. Written once here (a leaf: it imports nothing).
 *
 * @module
 */

/** Python's non-printable characters (str.isprintable): other and separator categories. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** The escape Python's repr gives a non-printable code point: \xhh, \uhhhh or \Uhhhhhhhh. */
function escapeCodePoint(c: number): string {
  if (c < 0x100) return "\\x" + c.toString(16).padStart(2, "0");
  if (c < 0x10000) return "\\u" + c.toString(16).padStart(4, "0");
  return "\\U" + c.toString(16).padStart(8, "0");
}

/**
 * Python's repr of a str: single quotes (double when the text has a single quote and no
 * double one), backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and every character
 * `str.isprintable()` rejects (lone surrogates included).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pyRepr } from "./repr.ts";
 * assert.strictEqual(pyRepr("it's\n"), `"it's\\n"`);
 * ```
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) out += escapeCodePoint(ch.codePointAt(0)!);
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's repr of one character, as codec errors print it (`'\xe9'`, `'\u20ac'`, `'a'`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { charRepr } from "./repr.ts";
 * assert.strictEqual(charRepr(0xd800), "'\\ud800'");
 * ```
 */
export function charRepr(c: number): string {
  if (c >= 0x20 && c < 0x7f) return pyRepr(String.fromCharCode(c));
  return `'${escapeCodePoint(c)}'`;
}

/**
 * Python's repr of bytes: `b'...'` (`b"..."` when they hold a single quote and no double
 * one), printable ASCII as is, the rest as `\xhh`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pyBytes } from "./repr.ts";
 * assert.strictEqual(pyBytes(new Uint8Array([0, 97])), "b'\\x00a'");
 * ```
 */
export function pyBytes(b: Uint8Array): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? 0x22 : 0x27;
  let out = "b" + String.fromCharCode(quote);
  for (const c of b) {
    if (c === 0x5c || c === quote) out += "\\" + String.fromCharCode(c);
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + c.toString(16).padStart(2, "0");
  }
  return out + String.fromCharCode(quote);
}

/**
 * Python's repr of an address-like value: str and bytes as above, arrays as tuples,
 * null and undefined as `None`, booleans as `True`/`False`, numbers as they print.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pyReprValue } from "./repr.ts";
 * assert.strictEqual(pyReprValue(["::1", 80]), "('::1', 80)");
 * assert.strictEqual(pyReprValue(["eth0"]), "('eth0',)");
 * ```
 */
export function pyReprValue(value: unknown): string {
  if (typeof value === "string") return pyRepr(value);
  if (value instanceof Uint8Array) return pyBytes(value);
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Array.isArray(value)) {
    const items = value.map(pyReprValue);
    return "(" + items.join(", ") + (items.length === 1 ? ",)" : ")");
  }
  return String(value);
}
