/**
 * Python's socket enums, AddressFamily, SocketKind, MsgFlag and AddressInfo: names to
 * numbers (`AddressFamily.AF_INET === 2`) and numbers back to members
 * (`AddressFamily(2).name === "AF_INET"`), built from the platform's constants.
 *
 * @module
 */
import { table } from "./constants/mod.ts";

/** One enum member, as Python's `AddressFamily.AF_INET`: its name and value. */
export interface EnumMember {
  /** The constant's name, e.g. "AF_INET". */
  readonly name: string;
  /** The constant's value, e.g. 2. */
  readonly value: number;
}

/**
 * An integer enum: call it with a value for the member (RangeError if none, as
 * Python's ValueError), or read a name for the value.
 */
export interface IntEnum {
  /** The member for `value`. */
  (value: number): EnumMember;
  /** The value of each member, by name. */
  readonly [name: string]: number;
}

function makeEnum(
  enumName: string,
  prefixes: readonly string[],
  skip: readonly string[] = [],
): IntEnum {
  const byValue = new Map<number, EnumMember>();
  const lookup = (value: number): EnumMember => {
    const member = byValue.get(value);
    if (!member) throw new RangeError(`${value} is not a valid ${enumName}`);
    return member;
  };
  Object.defineProperty(lookup, "name", { value: enumName });
  const names = Object.keys(table.constants).filter((n) =>
    prefixes.some((p) => n.startsWith(p)) && !skip.includes(n)
  ).sort();
  for (const name of names) {
    const value = table.constants[name];
    Object.defineProperty(lookup, name, { value, enumerable: true });
    // The first name for a value is canonical; later ones are aliases, as in Python.
    if (!byValue.has(value)) byValue.set(value, Object.freeze({ name, value }));
  }
  return Object.freeze(lookup) as unknown as IntEnum;
}

/**
 * Python's `socket.AddressFamily`: the AF_* constants.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { AddressFamily } from "./enums.ts";
 * assert.strictEqual(AddressFamily.AF_INET6, 10); // on Linux
 * assert.strictEqual(AddressFamily(2).name, "AF_INET");
 * ```
 */
export const AddressFamily: IntEnum = makeEnum("AddressFamily", ["AF_"]);

/**
 * Python's `socket.SocketKind`: the SOCK_* constants.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SocketKind } from "./enums.ts";
 * assert.strictEqual(SocketKind(1).name, "SOCK_STREAM");
 * ```
 */
export const SocketKind: IntEnum = makeEnum("SocketKind", ["SOCK_"]);

/**
 * Python's `socket.MsgFlag`: the MSG_* constants.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MsgFlag } from "./enums.ts";
 * assert.strictEqual(MsgFlag.MSG_PEEK, 2);
 * ```
 */
export const MsgFlag: IntEnum = makeEnum("MsgFlag", ["MSG_"]);

/**
 * Python's `socket.AddressInfo`: the AI_* constants.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { AddressInfo } from "./enums.ts";
 * assert.strictEqual(AddressInfo.AI_CANONNAME, 2);
 * ```
 */
export const AddressInfo: IntEnum = makeEnum("AddressInfo", ["AI_"]);
