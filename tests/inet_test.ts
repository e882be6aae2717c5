import assert from "node:assert/strict";
import * as socket from "../mod.ts";
import { jsClassOf, outcome, PY_OUTCOME, python } from "./helpers/python.ts";
import { test, UNDER_WINE } from "./helpers/platform.ts";

type Outcome = { ok?: unknown; error?: string; errno?: number | null; message?: string };

/** Compares one row of ours with Python's: same value, or same error class and message. */
function same(row: string, ours: Record<string, unknown>, theirs: Outcome): void {
  if ("ok" in theirs) {
    assert.deepEqual(ours, { ok: theirs.ok }, row);
  } else {
    assert.equal(ours.error, jsClassOf(theirs.error!), `${row}: ${JSON.stringify(ours)}`);
    // Under Wine the oracle is Linux's python3: an OSError's errno and text are Linux's.
    if (!(UNDER_WINE && theirs.error === "OSError")) {
      assert.equal(ours.message, theirs.message, row);
    }
  }
}

const numbers = [0, 1, 255, 256, 0x1234, 65535, 65536, -1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1.5];

test("htons/ntohs/htonl/ntohl equal Python's, errors included", () => {
  const py = python<Record<string, Outcome[]>>(
    PY_OUTCOME + `
nums = ${JSON.stringify(numbers)}
nums = [int(n) if float(n).is_integer() else n for n in nums]
print(json.dumps({f: [outcome(getattr(socket, f), n) for n in nums] for f in ["htons", "ntohs", "htonl", "ntohl"]}))
`,
  );
  for (const name of ["htons", "ntohs", "htonl", "ntohl"] as const) {
    numbers.forEach((n, i) => {
      same(`${name}(${n})`, outcome(() => socket[name](n)), py[name][i]);
    });
  }
});

const atonInputs = [
  "127.0.0.1",
  "127.1",
  "0x7f.1",
  "1.2.3",
  "255.255.255.255",
  "0",
  "1.2.3.4.5",
  "",
  "1.2.3.x",
  "256.1.1.1",
  " 1.2.3.4",
  "1.2.3.4 junk",
  "1.2.3.4\0",
  "::1",
  "\ud800",
  "1.2.3.\udc80",
];

test("inet_aton/inet_ntoa equal Python's", () => {
  const py = python<{ aton: Outcome[]; ntoa: Outcome[] }>(
    PY_OUTCOME + `
ins = json.loads(${JSON.stringify(JSON.stringify(atonInputs))})
packed = [b"\\x7f\\x00\\x00\\x01", b"", b"123", b"12345", b"\\xff\\xff\\xff\\xff"]
print(json.dumps({"aton": [outcome(socket.inet_aton, s) for s in ins],
                  "ntoa": [outcome(socket.inet_ntoa, p) for p in packed]}))
`,
  );
  atonInputs.forEach((s, i) =>
    same(`inet_aton(${JSON.stringify(s)})`, outcome(() => socket.inet_aton(s)), py.aton[i])
  );
  const packed = [[127, 0, 0, 1], [], [1, 2, 3], [1, 2, 3, 4, 5], [255, 255, 255, 255]];
  packed.forEach((p, i) =>
    same(`inet_ntoa(${p})`, outcome(() => socket.inet_ntoa(new Uint8Array(p))), py.ntoa[i])
  );
  assert.throws(() => socket.inet_ntoa("abcd" as unknown as Uint8Array), TypeError);
  assert.throws(() => socket.inet_aton(5 as unknown as string), TypeError);
});

// Families by name: the oracle may be another platform's python3 (Linux's under Wine),
// whose numbers differ (AF_INET6 is 10 on Linux, 23 on Windows).
type Family = "AF_INET" | "AF_INET6" | 99;
const family = (f: Family): number => (f === 99 ? 99 : socket[f]);

const ptonCases: [Family, string][] = [
  ["AF_INET", "1.2.3.4"],
  ["AF_INET", "127.1"],
  ["AF_INET", "::1"],
  ["AF_INET6", "::1"],
  ["AF_INET6", "fe80::1"],
  ["AF_INET6", "::ffff:1.2.3.4"],
  ["AF_INET6", "1::2::3"],
  ["AF_INET6", "1.2.3.4"],
  ["AF_INET6", "2001:db8:0:0:0:0:2:1"],
  [99, "1.2.3.4"],
  ["AF_INET6", "::\ud800"],
  ["AF_INET", "\udfff1.2.3.4"],
];

test("inet_pton/inet_ntop equal Python's", () => {
  const py = python<{ pton: Outcome[]; ntop: Outcome[] }>(
    PY_OUTCOME + `
fam = lambda f: f if f == 99 else getattr(socket, f)
cases = json.loads(${JSON.stringify(JSON.stringify(ptonCases))})
ntop = [(2, [1,2,3,4]), (2, [1,2,3]), (10, [0]*15 + [1]), (10, [0]*10 + [255,255,1,2,3,4]),
        (10, [0x20,1,0xd,0xb8] + [0]*10 + [0,1]), (10, [1,2,3,4]), (99, [1,2,3,4])]
ntop = [(socket.AF_INET if f == 2 else socket.AF_INET6 if f == 10 else f, b) for f, b in ntop]
print(json.dumps({"pton": [outcome(socket.inet_pton, fam(f), s) for f, s in cases],
                  "ntop": [outcome(socket.inet_ntop, f, bytes(b)) for f, b in ntop]}))
`,
  );
  ptonCases.forEach(([f, s], i) =>
    same(`inet_pton(${f}, ${s})`, outcome(() => socket.inet_pton(family(f), s)), py.pton[i])
  );
  const ntop: [number, number[]][] = [
    [2, [1, 2, 3, 4]],
    [2, [1, 2, 3]],
    [10, [...Array(15).fill(0), 1]],
    [10, [...Array(10).fill(0), 255, 255, 1, 2, 3, 4]],
    [10, [0x20, 1, 0xd, 0xb8, ...Array(10).fill(0), 0, 1]],
    [10, [1, 2, 3, 4]],
    [99, [1, 2, 3, 4]],
  ];
  // 2 and 10 stand for AF_INET and AF_INET6 (Linux's numbers), here and in the oracle.
  const local = (f: number) => (f === 2 ? socket.AF_INET : f === 10 ? socket.AF_INET6 : f);
  ntop.forEach(([f, b], i) =>
    same(
      `inet_ntop(${f}, ${b})`,
      outcome(() => socket.inet_ntop(local(f), new Uint8Array(b))),
      py.ntop[i],
    )
  );
});

test("CMSG_LEN/CMSG_SPACE equal Python's, range errors included", () => {
  const inputs = [0, 1, 4, 8, 12, 100, 2147483631, 2147483632, 2147483623, 2147483624, -1];
  const py = python<{ len: Outcome[]; space: Outcome[] }>(
    PY_OUTCOME + `
ins = ${JSON.stringify(inputs)}
print(json.dumps({"len": [outcome(socket.CMSG_LEN, n) for n in ins],
                  "space": [outcome(socket.CMSG_SPACE, n) for n in ins]}))
`,
  );
  inputs.forEach((n, i) => {
    same(`CMSG_LEN(${n})`, outcome(() => socket.CMSG_LEN(n)), py.len[i]);
    same(`CMSG_SPACE(${n})`, outcome(() => socket.CMSG_SPACE(n)), py.space[i]);
  });
  assert.throws(() => socket.CMSG_LEN(1.5), TypeError);
});
