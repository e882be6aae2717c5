/**
 * The "idna" codec Python applies to host names (IDNA 2003 ToASCII: nameprep, then
 * punycode with the "xn--" prefix). Pure code: no FFI, no lookups.
 *
 * @module
 */

const encoder = new TextEncoder();

const ACE_PREFIX = "xn--";
const LABEL_DOTS = /[.\u3002\uff0e\uff61]/;

function idnaError(reason: string): RangeError {
  return new RangeError(`encoding with 'idna' codec failed (UnicodeError: ${reason})`);
}

function isAscii(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(text);
}

/**
 * Encodes a host name as Python's "idna" codec: an ASCII name is kept as it is
 * (labels checked for length); otherwise each label goes through nameprep and,
 * when still not ASCII, punycode with the "xn--" prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { idnaEncode } from "./idna.ts";
 * assert.strictEqual(new TextDecoder().decode(idnaEncode("bücher.example")), "xn--bcher-kva.example");
 * ```
 */
export function idnaEncode(host: string): Uint8Array {
  if (isAscii(host)) {
    const labels = host.split(".");
    for (const label of labels.slice(0, -1)) {
      if (label.length === 0 || label.length >= 64) throw idnaError("label empty or too long");
    }
    if (labels[labels.length - 1].length >= 64) throw idnaError("label too long");
    return encoder.encode(host);
  }
  const labels = host.split(LABEL_DOTS);
  let trailingDot = "";
  if (labels.length > 0 && labels[labels.length - 1] === "") {
    trailingDot = ".";
    labels.pop();
  }
  return encoder.encode(labels.map(toAscii).join(".") + trailingDot);
}

function checkedLabel(label: string): string {
  if (label.length > 0 && label.length < 64) return label;
  throw idnaError("label empty or too long");
}

/** RFC 3490 ToASCII with UseSTD3ASCIIRules false and AllowUnassigned false. */
function toAscii(label: string): string {
  if (isAscii(label)) return checkedLabel(label);
  const prepared = nameprep(label);
  if (isAscii(prepared)) return checkedLabel(prepared);
  if (prepared.startsWith(ACE_PREFIX)) throw idnaError("Label starts with ACE prefix");
  return checkedLabel(ACE_PREFIX + punycode(prepared));
}

/** RFC 3491 table B.1: code points mapped to nothing. */
const MAPPED_TO_NOTHING =
  /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;
/** RFC 3454 tables C.1.2 to C.9: code points nameprep prohibits. */
const PROHIBITED =
  /[\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\u0080-\u009f\u06dd\u070f\u180e\u200c\u200d\u2060-\u2063\u206a-\u206f\ufeff\ufff9-\ufffd\ue000-\uf8ff\u{f0000}-\u{ffffd}\u{100000}-\u{10fffd}\ufdd0-\ufdef\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u2ff0-\u2ffb\u0340\u0341\u200e\u200f\u202a-\u202e\u{e0001}\u{e0020}-\u{e007f}\u{1d173}-\u{1d17a}\ud800-\udfff]/u;

/**
 * RFC 3491 nameprep, close to Python's: map (B.1 removal, case folding), NFKC, and
 * the prohibited-character check. The bidi rules and the unassigned-code-point check
 * are not applied.
 */
function nameprep(label: string): string {
  let mapped = "";
  for (const ch of label.replace(MAPPED_TO_NOTHING, "")) mapped += ch.toUpperCase().toLowerCase();
  const normalized = mapped.normalize("NFKC");
  const bad = PROHIBITED.exec(normalized);
  if (bad) {
    const code = bad[0].codePointAt(0)!;
    throw idnaError(`Invalid character '\\u${code.toString(16).padStart(4, "0")}'`);
  }
  return normalized;
}

/** RFC 3492 punycode encoding of one label (without the ACE prefix). */
function punycode(input: string): string {
  const base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700;
  const codes = Array.from(input, (c) => c.codePointAt(0)!);
  const digit = (d: number) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
  const adapt = (delta: number, count: number, first: boolean) => {
    delta = first ? Math.floor(delta / damp) : delta >> 1;
    delta += Math.floor(delta / count);
    let k = 0;
    for (; delta > ((base - tMin) * tMax) >> 1; k += base) {
      delta = Math.floor(delta / (base - tMin));
    }
    return k + Math.floor(((base - tMin + 1) * delta) / (delta + skew));
  };
  let out = codes.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join("");
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += "-";
  let n = 0x80, delta = 0, bias = 72;
  while (handled < codes.length) {
    const m = Math.min(...codes.filter((c) => c >= n));
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of codes) {
      if (c < n) delta++;
      if (c !== n) continue;
      let q = delta;
      for (let k = base;; k += base) {
        const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
        if (q < t) break;
        out += digit(t + ((q - t) % (base - t)));
        q = Math.floor((q - t) / (base - t));
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return out;
}
