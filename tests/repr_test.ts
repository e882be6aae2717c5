/**
 * repr.ts against python3's repr(): str (quotes, escapes, non-printable characters, lone
 * surrogates), bytes and tuples; and the messages that print them (create_server's bind
 * error, makefile's mode error).
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "./helpers/host.ts";

import * as socket from "../mod.ts";
import { pyBytes, pyRepr, pyReprValue } from "../repr.ts";

const python = spawnSync("python3", ["-c", "pass"]);
const skip = python.error || python.status !== 0 ? "python3 is not available" : false;

/** python3's repr of each item, the items passed as JSON (a string, or bytes as a list). */
function pythonRepr(items: unknown[]): string[] {
  const code = `
import json, sys
def conv(v):
    if isinstance(v, dict): return bytes(v["bytes"])
    if isinstance(v, list): return tuple(conv(x) for x in v)
    return v
print(json.dumps([repr(conv(v)) for v in json.load(sys.stdin)]))`;
  // Lone surrogates do not survive JSON text as UTF-8: escape every non-ASCII character.
  const input = JSON.stringify(items).replace(
    /[\u0080-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
  return JSON.parse(execFileSync("python3", ["-c", code], { input, encoding: "utf8" }));
}

const strings = [
  "",
  "plain",
  "it's",
  'say "hi"',
  `both ' and "`,
  "back\\slash",
  "\n\r\t\0\x1b\x7f",
  "\x85\xa0\xad",
  "é€😀",
  "\u2028\u2029\u200b\ufeff",
  "\ud800 lone \udc00",
  "\ue000\u{e0001}\u{10ffff}",
  "\u3000 ideographic space",
];

test("pyRepr matches python3's repr of str", { skip }, () => {
  assert.deepStrictEqual(strings.map(pyRepr), pythonRepr(strings));
});

test("pyBytes matches python3's repr of bytes", { skip }, () => {
  const cases = [[], [0, 1, 0x7f, 0x80, 0xff], [0x27], [0x22], [0x27, 0x22], [0x5c, 10, 13, 9]];
  assert.deepStrictEqual(
    cases.map((b) => pyBytes(new Uint8Array(b))),
    pythonRepr(cases.map((b) => ({ bytes: b }))),
  );
});

test("pyReprValue matches python3's repr of tuples", { skip }, () => {
  const tuples = [["127.0.0.1", 80], ["eth0"], ["::1", 80, 0, 0], ["it's", "x\ny"], []];
  assert.deepStrictEqual(tuples.map(pyReprValue), pythonRepr(tuples));
  assert.equal(pyReprValue(["a", new Uint8Array([0])]), "('a', b'\\x00')");
});

test("create_server's bind error prints the address as Python's repr", { skip }, () => {
  const path = "/nonexistent/it's\x85";
  const want = JSON.parse(
    execFileSync("python3", [
      "-c",
      `import socket, json
try: socket.create_server(${JSON.stringify(path)}, family=socket.AF_UNIX)
except OSError as e: print(json.dumps([e.errno, str(e)]))`,
    ], { encoding: "utf8" }),
  );
  assert.throws(
    () => socket.create_server(path, { family: socket.AF_UNIX }),
    (e: unknown) => {
      assert.ok(e instanceof socket.FileNotFoundError);
      assert.deepStrictEqual([e.errno, e.message], want);
      return true;
    },
  );
});

test("makefile's mode error prints the mode as Python's repr", () => {
  const [a, b] = socket.socketpair();
  try {
    assert.throws(
      () => a.makefile("r\x85"),
      { name: "RangeError", message: "invalid mode 'r\\x85' (only r, w, b allowed)" },
    );
  } finally {
    a.close();
    b.close();
  }
});
