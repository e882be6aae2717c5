/**
 * interfaces.ts against python3 on the same machine: if_nameindex, if_nametoindex
 * and if_indextoname give Python's results and errors.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";

import { if_indextoname, if_nameindex, if_nametoindex } from "../interfaces.ts";
import { type Case, outcomes, pythonOutcomes, toJson } from "./helpers/dns_cases.ts";

const interfaces = if_nameindex();
const bytes = (text: string) => new TextEncoder().encode(text);

const cases: Case[] = [
  ["if_nameindex", []],
  ...interfaces.flatMap(([index, name]): Case[] => [
    ["if_nametoindex", [name]],
    ["if_nametoindex", [bytes(name)]],
    ["if_indextoname", [index]],
  ]),
  ["if_nametoindex", ["no-such-interface"]],
  ["if_nametoindex", [""]],
  ["if_nametoindex", ["x".repeat(40)]],
  ["if_nametoindex", ["l\0o"]],
  ["if_nametoindex", [bytes("l\0o")]],
  ["if_nametoindex", [1]],
  ["if_nametoindex", [null]],
  ["if_indextoname", [0]],
  ["if_indextoname", [99999]],
  ["if_indextoname", [2 ** 32 - 1]],
  ["if_indextoname", [-1]],
  ["if_indextoname", [2 ** 64]],
  ["if_indextoname", [1.5]],
  ["if_indextoname", ["1"]],
  ["if_indextoname", [null]],
  ["if_indextoname", [true]],
];

const expected = pythonOutcomes(cases);

test("if_* give python3's results and errors", {
  skip: expected === null && "python3 is not installed",
}, async () => {
  const actual = await outcomes(cases);
  const differences = cases.flatMap((c, i) => {
    try {
      assert.deepStrictEqual(actual[i], expected![i]);
      return [];
    } catch {
      return [{ case: toJson(c), actual: actual[i], python: expected![i] }];
    }
  });
  assert.deepStrictEqual(differences, []);
});

test("names and indexes go both ways", () => {
  assert.ok(interfaces.length > 0);
  for (const [index, name] of interfaces) {
    assert.equal(if_nametoindex(name), index);
    assert.equal(if_indextoname(index), name);
  }
});

test("an index beyond C's unsigned int is a RangeError, as in current Python", () => {
  // Python 3.11 silently truncated it to 32 bits; 3.12 and later raise OverflowError.
  assert.throws(() => if_indextoname(2 ** 32), {
    name: "RangeError",
    message: "index is too large",
  });
  assert.throws(() => if_indextoname(2 ** 32 + 1), RangeError);
});
