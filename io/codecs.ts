/**
 * The text codecs of a socket's file object: UTF-8 (streaming, so a character split
 * between two receives is decoded whole), UTF-8 with a BOM, Latin-1 and ASCII, with the
 * "strict" and "replace" error handlers, and the messages of Python's
 * `UnicodeDecodeError` and `UnicodeEncodeError` (as RangeErrors).
 *
 * @module
 */
import { charRepr } from "../repr.ts";
import { cpLength } from "./base.ts";

/** An incremental decoder and an encoder of one text encoding. */
export interface Codec {
  decode(data: Uint8Array, final: boolean): string;
  encode(text: string): Uint8Array;
}

const encodingNames: Record<string, string> = {
  "utf8": "utf-8",
  "u8": "utf-8",
  "utf": "utf-8",
  "cp65001": "utf-8",
  "utf8sig": "utf-8-sig",
  "latin1": "latin-1",
  "latin": "latin-1",
  "l1": "latin-1",
  "iso88591": "latin-1",
  "8859": "latin-1",
  "cp819": "latin-1",
  "isoir100": "latin-1",
  "ascii": "ascii",
  "usascii": "ascii",
  "646": "ascii",
};

/** The canonical name of a supported encoding or of one of its Python aliases. */
export function codecName(name: string): string | undefined {
  return encodingNames[name.toLowerCase().replace(/[-_ ]/g, "")];
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function encodeError(codec: string, text: string, index: number, reason: string): RangeError {
  const c = text.codePointAt(index)!;
  return new RangeError(
    `'${codec}' codec can't encode character ${charRepr(c)} in position ${
      cpLength(text.slice(0, index))
    }: ${reason}`,
  );
}

/** Where and why `data` stops being UTF-8 (for the strict error message). */
function utf8Fault(data: Uint8Array, final: boolean): [number, string] | null {
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    let need: number;
    let lo = 0x80, hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return [i, "invalid start byte"];
    for (let k = 1; k <= need; k++) {
      if (i + k >= data.length) return final ? [i, "unexpected end of data"] : null;
      const c = data[i + k];
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) {
        return [i, "invalid continuation byte"];
      }
    }
    i += need + 1;
  }
  return null;
}

export function makeCodec(settings: { encoding: string; errors: string }): Codec {
  const strict = settings.errors === "strict";
  const name = settings.encoding;
  if (name === "utf-8" || name === "utf-8-sig") {
    const decoder = new TextDecoder("utf-8", { fatal: strict, ignoreBOM: name === "utf-8" });
    const encoder = new TextEncoder();
    let bom = name === "utf-8-sig";
    return {
      decode(data, final) {
        try {
          return decoder.decode(data, { stream: !final });
        } catch (e) {
          const fault = utf8Fault(data, final);
          const [pos, reason] = fault ?? [0, "invalid data"];
          throw new RangeError(
            `'utf-8' codec can't decode byte 0x${
              (data[pos] ?? 0).toString(16).padStart(2, "0")
            } in position ${pos}: ${reason}`,
            { cause: e },
          );
        }
      },
      encode(text) {
        if (strict) {
          LONE_SURROGATE.lastIndex = 0;
          const m = LONE_SURROGATE.exec(text);
          if (m) throw encodeError("utf-8", text, m.index, "surrogates not allowed");
        } else {
          text = text.replace(LONE_SURROGATE, "?");
        }
        const out = encoder.encode(text);
        if (!bom) return out;
        bom = false;
        const withBom = new Uint8Array(out.length + 3);
        withBom.set([0xef, 0xbb, 0xbf]);
        withBom.set(out, 3);
        return withBom;
      },
    };
  }
  const max = name === "ascii" ? 0x80 : 0x100;
  const range = max === 0x80 ? "range(128)" : "range(256)";
  return {
    decode(data) {
      let out = "";
      for (let i = 0; i < data.length; i += 4096) {
        const part = Array.from(data.subarray(i, i + 4096), (b, k) => {
          if (b < max) return b;
          if (strict) {
            throw new RangeError(
              `'${name}' codec can't decode byte 0x${b.toString(16)} in position ${
                i + k
              }: ordinal not in ${range}`,
            );
          }
          return 0xfffd;
        });
        out += String.fromCharCode(...part);
      }
      return out;
    },
    encode(text) {
      const out = new Uint8Array(text.length);
      let n = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.codePointAt(i)!;
        if (c < max) {
          out[n++] = c;
          continue;
        }
        if (strict) throw encodeError(name, text, i, `ordinal not in ${range}`);
        out[n++] = 0x3f;
        if (c > 0xffff) i++;
      }
      return out.subarray(0, n);
    },
  };
}
