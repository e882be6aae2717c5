/**
 * Runs python3 as the oracle: evaluates a Python program that prints one JSON
 * document, and returns it parsed. Works under Deno, Node and Bun.
 *
 * @module
 */
import { execFileSync } from "./host.ts";
import { readFileSync } from "node:fs";

/**
 * js_words.py's source, inlined into {@link PY_OUTCOME}: no path for python3 to find (under
 * Wine the host's python3 does not see the Windows runtime's paths).
 */
const JS_WORDS = readFileSync(new URL("./js_words.py", import.meta.url), "utf8");

/** Runs `code` in python3 and parses its standard output as JSON. */
export function python<T = unknown>(code: string, input?: string): T {
  const out = execFileSync("python3", ["-c", code], {
    encoding: "utf8",
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as T;
}

/**
 * Python source defining `outcome(fn, *args)`: returns {"ok": value} or
 * {"error": class name, "errno": errno, "message": str(e)}; bytes become lists, the
 * message is in JavaScript's words (js_words.py: "tuple" is "array").
 */
export const PY_OUTCOME = `
import json, socket, sys, errno as _errno
${JS_WORDS}
def _plain(v):
    if isinstance(v, (bytes, bytearray)): return list(v)
    if isinstance(v, (list, tuple)): return [_plain(x) for x in v]
    return v
def outcome(fn, *args):
    try:
        return {"ok": _plain(fn(*args))}
    except Exception as e:
        return {"error": type(e).__name__, "errno": getattr(e, "errno", None), "message": js_words(str(e))}
`;

/**
 * Python's class names mapped to ours: ValueError (and its Unicode*Error subclasses) and
 * OverflowError are RangeError.
 */
export function jsClassOf(pythonClass: string): string {
  if (pythonClass === "ValueError" || pythonClass === "OverflowError") return "RangeError";
  if (/^Unicode(Encode|Decode)?Error$/.test(pythonClass)) return "RangeError";
  return pythonClass;
}

/** The same outcome shape for a call of ours. */
export function outcome(fn: () => unknown): Record<string, unknown> {
  try {
    const v = fn();
    return { ok: plain(v) };
  } catch (e) {
    const err = e as Error & { errno?: number | null };
    return { error: err.name, errno: err.errno ?? null, message: err.message };
  }
}

function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
