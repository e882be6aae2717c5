/**
 * C memory, written once: the machine's byte order (C structures are read in it), C
 * strings read up to their NUL and bytes made NUL-terminated for a call.
 *
 * @module
 */

/** Whether this machine is little-endian (C structures are read and written in its order). */
export const littleEndian: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8 = new TextDecoder();

/** The bytes before the first NUL (all of them when there is none): a view, no copy. */
export function beforeNul(bytes: Uint8Array): Uint8Array {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}

/** The C string in `bytes`: the text before the first NUL, decoded (UTF-8 by default). */
export function decodeCString(bytes: Uint8Array, decoder: TextDecoder = utf8): string {
  return decoder.decode(beforeNul(bytes));
}

/** Bytes followed by a NUL (C truncates at an embedded NUL, as it does for CPython). */
export function nulTerminated(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
