/**
 * resolve.ts against python3 on the same machine: every case of a table (hosts,
 * ports, families, types, flags, bad arguments) gives the same result, or the same
 * error class, errno and message; the async twins give the same answers; lookups
 * leak neither descriptors nor memory; sethostname works in a private UTS namespace.
 *
 * No case sends a query off the machine: names come from /etc/hosts ("localhost"),
 * other hosts are numeric, and reverse lookups are of 127.0.0.1 only (or numeric).
 * Names beyond /etc/hosts are tested in dns_test.ts against a local DNS server.
 */
import { FD_DIR, test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "./helpers/host.ts";
import { readdirSync } from "node:fs";
import process from "node:process";

import { table } from "../constants/mod.ts";
import { getaddrinfo, getaddrinfo_async, getnameinfo_async, readAddrInfo } from "../resolve.ts";
import { ffi } from "../ffi/mod.ts";
import { decodeAddress } from "../sockaddr.ts";
import { gethostbyname_ex_async } from "../netdb.ts";
import { idnaEncode } from "../idna.ts";
import { type Case, outcome, outcomes, pythonOutcomes, toJson } from "./helpers/dns_cases.ts";

const C = table.constants;
const bytes = (text: string) => new TextEncoder().encode(text);

const AI_FLAGS = Object.keys(C).filter((k) => k.startsWith("AI_")).sort();
const NI_FLAGS = Object.keys(C).filter((k) => k.startsWith("NI_") && !k.startsWith("NI_MAX"))
  .sort();

const cases: Case[] = [
  // getaddrinfo: hosts and ports
  ["getaddrinfo", ["localhost", 80]],
  ["getaddrinfo", ["localhost", null]],
  ["getaddrinfo", ["localhost", "http"]],
  ["getaddrinfo", ["localhost", "80"]],
  ["getaddrinfo", ["localhost", ""]],
  ["getaddrinfo", ["localhost", bytes("80")]],
  ["getaddrinfo", ["localhost", "8\0"]],
  ["getaddrinfo", ["localhost", 70000]],
  ["getaddrinfo", ["localhost", 0]],
  ["getaddrinfo", [bytes("localhost"), 22]],
  ["getaddrinfo", ["127.0.0.1", 80]],
  ["getaddrinfo", ["127.1", 80]],
  ["getaddrinfo", ["::1", 80]],
  ["getaddrinfo", ["::1", "https", C.AF_INET6, C.SOCK_STREAM]],
  ["getaddrinfo", ["fe80::1%lo", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", ["fe80::1%1", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", [null, 80]],
  ["getaddrinfo", [null, 80, 0, 0, 0, C.AI_PASSIVE]],
  ["getaddrinfo", [null, null]],
  ["getaddrinfo", ["127.0.0.1", 80, C.AF_INET, C.SOCK_DGRAM, C.IPPROTO_UDP]],
  ["getaddrinfo", ["127.0.0.1", 80, C.AF_INET6]],
  ["getaddrinfo", ["::1", 80, C.AF_INET]],
  ["getaddrinfo", ["localhost", 0, 0, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["127.0.0.1", 0, 0, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  // bad names, ports, families, types
  ["getaddrinfo", ["bad name", 80, 0, 0, 0, C.AI_NUMERICHOST]],
  ["getaddrinfo", ["localhost", 80, 0, 0, 0, C.AI_NUMERICHOST]],
  ["getaddrinfo", ["", 80]],
  ["getaddrinfo", ["local\0host", 80]],
  ["getaddrinfo", [bytes("local\0host"), 80]],
  ["getaddrinfo", ["a..b", 80]],
  ["getaddrinfo", ["x".repeat(64), 80]],
  ["getaddrinfo", ["x".repeat(64) + ".example", 80]],
  ["getaddrinfo", ["bücher.example", 80, 0, 0, 0, C.AI_NUMERICHOST]],
  ["getaddrinfo", ["localhost", "nosuchservice"]],
  ["getaddrinfo", ["localhost", "-1"]],
  ["getaddrinfo", ["localhost", -1]],
  ["getaddrinfo", ["localhost", "http", 0, 0, 0, C.AI_NUMERICSERV]],
  ["getaddrinfo", ["localhost", true]],
  ["getaddrinfo", ["localhost", 1.5]],
  ["getaddrinfo", ["localhost", 1e20]],
  ["getaddrinfo", ["localhost", [80]]],
  ["getaddrinfo", [1, 80]],
  ["getaddrinfo", [[], 80]],
  ["getaddrinfo", ["localhost", 80, 12345]],
  ["getaddrinfo", ["localhost", 80, -1]],
  ["getaddrinfo", ["localhost", 80, 0, 12345]],
  ["getaddrinfo", ["localhost", 80, 0, 0, 12345]],
  ["getaddrinfo", ["localhost", 80, 0, 0, 0, 0x12345]],
  ["getaddrinfo", ["localhost", 80, 1.5]],
  ["getaddrinfo", ["localhost", 80, "x"]],
  ["getaddrinfo", ["localhost", 80, null]],
  ["getaddrinfo", ["localhost", 80, 2 ** 31]],
  ["getaddrinfo", ["localhost", 80, 0, -(2 ** 31) - 1]],
  // every AI_* flag, with a name and with no host
  ...AI_FLAGS.flatMap((k): Case[] => [
    ["getaddrinfo", ["localhost", 80, 0, C.SOCK_STREAM, 0, C[k]]],
    ["getaddrinfo", [null, 80, 0, C.SOCK_STREAM, 0, C[k]]],
    ["getaddrinfo", ["127.0.0.1", "http", 0, C.SOCK_DGRAM, 0, C[k]]],
  ]),
  // getnameinfo
  ["getnameinfo", [["127.0.0.1", 80], 0]],
  ["getnameinfo", [["127.0.0.1", 0], 0]],
  ["getnameinfo", [["127.0.0.1", 70000], 0]],
  ["getnameinfo", [["127.0.0.1", -1], 0]],
  ["getnameinfo", [["127.0.0.1", 80, 0, 0], 0]],
  ["getnameinfo", [["::1", 80], C.NI_NUMERICHOST]],
  ["getnameinfo", [["::1", 80, 0, 0], C.NI_NUMERICHOST]],
  ["getnameinfo", [["::1", 80, 2 ** 20], C.NI_NUMERICHOST]],
  ["getnameinfo", [["::1", 80, -1], C.NI_NUMERICHOST]],
  ["getnameinfo", [["::1", 80, 0xfffff, 2 ** 32], C.NI_NUMERICHOST]],
  ["getnameinfo", [["fe80::1", 80, 0, 1], C.NI_NUMERICHOST]],
  ["getnameinfo", [["fe80::1%lo", 80, 0, 0], C.NI_NUMERICHOST]],
  ["getnameinfo", [["localhost", 80], 0]],
  ["getnameinfo", [["127.0.0.1", "80"], 0]],
  ["getnameinfo", [["127.0.0.1"], 0]],
  ["getnameinfo", [["127.0.0.1", 80, 1, 2, 3], 0]],
  ["getnameinfo", [[bytes("127.0.0.1"), 80], 0]],
  ["getnameinfo", [["127.0.0.1\0", 80], 0]],
  ["getnameinfo", [["127.0.0.1", 2 ** 31], 0]],
  ["getnameinfo", [["127.0.0.1", 80], 1.5]],
  ["getnameinfo", [["127.0.0.1", 80], 0xffff]],
  ["getnameinfo", ["127.0.0.1", 0]],
  ...NI_FLAGS.flatMap((k): Case[] => [
    ["getnameinfo", [["127.0.0.1", 80], C[k]]],
    ["getnameinfo", [["127.0.0.1", 53], C[k] | C.NI_NUMERICHOST]],
    ["getnameinfo", [["::1", 443, 0, 0], C[k] | C.NI_NUMERICHOST]],
  ]),
  // gethostby*
  ["gethostbyname", ["localhost"]],
  ["gethostbyname", ["127.0.0.1"]],
  ["gethostbyname", ["127.1"]],
  ["gethostbyname", [""]],
  ["gethostbyname", ["<broadcast>"]],
  ["gethostbyname", ["255.255.255.255"]],
  ["gethostbyname", ["::1"]],
  ["gethostbyname", [bytes("localhost")]],
  ["gethostbyname", ["local\0host"]],
  ["gethostbyname", [bytes("local\0host")]],
  ["gethostbyname", [1]],
  ["gethostbyname", ["a..b"]],
  ["gethostbyname_ex", ["localhost"]],
  ["gethostbyname_ex", ["127.0.0.1"]],
  ["gethostbyname_ex", [""]],
  ["gethostbyname_ex", ["::1"]],
  ["gethostbyname_ex", [null]],
  ["gethostbyaddr", ["127.0.0.1"]],
  ["gethostbyaddr", ["localhost"]],
  ["gethostbyaddr", [""]],
  ["gethostbyaddr", [bytes("127.0.0.1")]],
  ["gethostbyaddr", [2]],
  ["getfqdn", ["localhost"]],
  ["getfqdn", ["127.0.0.1"]],
  ["getfqdn", ["  localhost\t"]],
  ["getfqdn", ["not a host name"]],
  ["gethostname", []],
  // services and protocols
  ["getservbyname", ["http"]],
  ["getservbyname", ["http", "tcp"]],
  ["getservbyname", ["domain", "udp"]],
  ["getservbyname", ["http", "xx"]],
  ["getservbyname", ["nosuchservice"]],
  ["getservbyname", [1]],
  ["getservbyname", ["a\0"]],
  ["getservbyname", ["http", null]],
  ["getservbyname", ["http", 6]],
  ["getservbyport", [80]],
  ["getservbyport", [53, "udp"]],
  ["getservbyport", [80, "udp"]],
  ["getservbyport", [0]],
  ["getservbyport", [65535]],
  ["getservbyport", [65536]],
  ["getservbyport", [-1]],
  ["getservbyport", [2 ** 31]],
  ["getservbyport", ["80"]],
  ["getservbyport", [1.5]],
  ["getprotobyname", ["tcp"]],
  ["getprotobyname", ["udp"]],
  ["getprotobyname", ["icmp"]],
  ["getprotobyname", ["ipv6-icmp"]],
  ["getprotobyname", ["xx"]],
  ["getprotobyname", [bytes("tcp")]],
  ["getprotobyname", ["t\0cp"]],
  // strings for libc with a lone surrogate: refused before the call, never sent as U+FFFD
  ["getaddrinfo", ["localhost", "\ud800"]],
  ["getaddrinfo", ["localhost", "8\udc800"]],
  ["getaddrinfo", ["\ud800", 80]],
  ["getaddrinfo", ["a\udc80", 80, 0, 0, 0, C.AI_NUMERICHOST]],
  ["getnameinfo", [["\ud800", 80], 0]],
  ["getnameinfo", [["127.0.0.1\udfff", 80], C.NI_NUMERICHOST]],
  ["gethostbyname", ["\ud800"]],
  ["gethostbyname_ex", ["local\udc80host"]],
  ["gethostbyaddr", ["\ud800"]],
  ["getservbyname", ["\ud800"]],
  ["getservbyname", ["http", "tc\udcffp"]],
  ["getservbyport", [80, "\ud800\udbff"]],
  ["getprotobyname", ["\ud800"]],
  ["if_nametoindex", ["\ud800"]],
  ["if_nametoindex", ["lo\udcff"]],
  ["if_nametoindex", ["lo\0x"]],
];

const expected = pythonOutcomes(cases);
const skip = expected === null ? "python3 is not installed" : false;

/** Compares case by case, so that a failure names the case. */
function compare(actual: unknown[], want: unknown[]) {
  const differences = [];
  for (let i = 0; i < cases.length; i++) {
    try {
      assert.deepStrictEqual(actual[i], want[i]);
    } catch {
      differences.push({ case: toJson(cases[i]), actual: actual[i], python: want[i] });
    }
  }
  assert.deepStrictEqual(differences, []);
}

test("every case gives python3's result or error", { skip }, async () => {
  compare(await outcomes(cases), expected!);
});

test("the async twins give the same answers", { skip }, async () => {
  const twins = cases.filter(([fn]) =>
    ["getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"]
      .includes(fn)
  );
  for (const c of twins) {
    assert.deepStrictEqual(
      await outcome(c, "async"),
      await outcome(c, "sync"),
      JSON.stringify(toJson(c)),
    );
  }
});

test("async lookups in flight together do not share memory", async () => {
  const calls = [];
  for (let i = 0; i < 64; i++) {
    calls.push(getaddrinfo_async("127.0.0.1", 1000 + i, C.AF_INET, C.SOCK_STREAM));
    calls.push(getaddrinfo_async("::1", 2000 + i, C.AF_INET6, C.SOCK_DGRAM));
    calls.push(getnameinfo_async(["127.0.0.1", 3000 + i], C.NI_NUMERICHOST | C.NI_NUMERICSERV));
    calls.push(gethostbyname_ex_async("localhost"));
  }
  const results = await Promise.all(calls);
  // Wine's getaddrinfo leaves ai_protocol 0 when the hints give none (glibc fills it in).
  const tcp = WINDOWS ? getaddrinfo("127.0.0.1", 1, C.AF_INET, C.SOCK_STREAM)[0][2] : C.IPPROTO_TCP;
  const udp = WINDOWS ? getaddrinfo("::1", 1, C.AF_INET6, C.SOCK_DGRAM)[0][2] : C.IPPROTO_UDP;
  for (let i = 0; i < 64; i++) {
    const [a, b, c, d] = results.slice(i * 4, i * 4 + 4);
    assert.deepStrictEqual(a, [[C.AF_INET, C.SOCK_STREAM, tcp, "", [
      "127.0.0.1",
      1000 + i,
    ]]]);
    assert.deepStrictEqual(b, [[C.AF_INET6, C.SOCK_DGRAM, udp, "", [
      "::1",
      2000 + i,
      0,
      0,
    ]]]);
    assert.deepStrictEqual(c, ["127.0.0.1", String(3000 + i)]);
    assert.deepStrictEqual(d, ["localhost", [], ["127.0.0.1"]]);
  }
});

test("the addrinfo reader: sockaddrs longer than its buffer, canonnames, NULL addresses", () => {
  // A list built in JS memory, read as getaddrinfo's: every node goes through memory the
  // reader reuses, and a sockaddr longer than that (no libc returns one) gets its own copy.
  const ai = table.layouts.addrinfo;
  const wide = table.sys.SIZEOF_POINTER === 8;
  const keep: Uint8Array[] = [];
  const at = (bytes: Uint8Array) => (keep.push(bytes), ffi.addressOf(bytes));
  const node = (
    family: number,
    type: number,
    addr: Uint8Array | null,
    canonname: string | null,
    next: bigint,
  ): bigint => {
    const bytes = new Uint8Array(ai.size);
    const dv = new DataView(bytes.buffer);
    const ptr = (offset: number, value: bigint) =>
      wide ? dv.setBigUint64(offset, value, true) : dv.setUint32(offset, Number(value), true);
    dv.setInt32(ai.ai_family, family, true);
    dv.setInt32(ai.ai_socktype, type, true);
    dv.setInt32(ai.ai_protocol, 0, true);
    if ((ai["ai_addrlen$size"] ?? 4) === 8) {
      dv.setBigUint64(ai.ai_addrlen, BigInt(addr?.length ?? 0), true);
    } else dv.setUint32(ai.ai_addrlen, addr?.length ?? 0, true);
    ptr(ai.ai_addr, addr === null ? 0n : at(addr));
    ptr(ai.ai_canonname, canonname === null ? 0n : at(zText(canonname)));
    ptr(ai.ai_next, next);
    return at(bytes);
  };
  const zText = (text: string) => bytes(text + "\0");
  const sin = table.layouts.sockaddr_in;
  const long = new Uint8Array(300);
  const sa = new DataView(long.buffer);
  if (table.layouts.sockaddr.sa_len !== undefined) {
    long[table.layouts.sockaddr.sa_len] = 16;
    long[table.layouts.sockaddr.sa_family] = C.AF_INET;
  } else sa.setUint16(table.layouts.sockaddr.sa_family, C.AF_INET, true);
  sa.setUint16(sin.sin_port, 8080, false);
  long.set([10, 9, 8, 7], sin.sin_addr);
  const short = long.slice(0, sin.size);
  short[sin.sin_addr + 3] = 6;
  const canon = "c".repeat(1000);
  let head = 0n;
  head = node(C.AF_INET, C.SOCK_DGRAM, null, null, head);
  head = node(C.AF_INET, C.SOCK_STREAM, long, canon, head);
  for (let i = 0; i < 100; i++) head = node(C.AF_INET, C.SOCK_RAW, short, null, head);
  const list = readAddrInfo(head);
  assert.equal(list.length, 102);
  for (let i = 0; i < 100; i++) {
    assert.deepStrictEqual(list[i], [C.AF_INET, C.SOCK_RAW, 0, "", ["10.9.8.6", 8080]]);
  }
  assert.deepStrictEqual(list[100], [C.AF_INET, C.SOCK_STREAM, 0, canon, ["10.9.8.7", 8080]]);
  assert.deepStrictEqual(list[100][4], decodeAddress(long, long.length));
  assert.deepStrictEqual(list[101], [C.AF_INET, C.SOCK_DGRAM, 0, "", ""]);
  assert.ok(keep.length > 100); // the buffers stayed alive until read
});

test("the async twins reject (never throw) on bad arguments", async () => {
  // deno-lint-ignore no-explicit-any
  const p = getaddrinfo_async(1 as any, 80);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, TypeError);
});

const fdDir = FD_DIR;
const haveProc = (() => {
  try {
    readdirSync(fdDir);
    return true;
  } catch {
    return false;
  }
})();

test(
  "1,000 lookups leak no descriptor and little memory",
  { skip: !haveProc && `no ${fdDir}` },
  () => {
    const lookups = () => {
      for (let i = 0; i < 1000; i++) {
        getaddrinfo("localhost", i, 0, 0, 0, C.AI_CANONNAME);
        try {
          getaddrinfo("no such host", 80, 0, 0, 0, C.AI_NUMERICHOST);
        } catch { /* gaierror */ }
      }
    };
    lookups(); // warm up: the resolver opens and caches what it needs once
    const fds = readdirSync(fdDir).length;
    const rss = process.memoryUsage().rss;
    lookups();
    lookups();
    assert.equal(readdirSync(fdDir).length, fds);
    const growth = process.memoryUsage().rss - rss;
    assert.ok(growth < 16 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  },
);

test("host names are IDNA-encoded as Python's idna codec does", { skip }, () => {
  const names = [
    "bücher.example",
    "BÜCHER.example",
    "straße.de",
    "例え.テスト",
    "ÄÖÜ.xn--example",
    "münchen。de",
    "пример.рф.",
    "a.b.c",
    "localhost.",
  ];
  const want = JSON.parse(execFileSync("python3", [
    "-c",
    "import json,sys; print(json.dumps([n.encode('idna').decode() for n in json.load(sys.stdin)]))",
  ], { input: JSON.stringify(names), encoding: "utf8" }));
  assert.deepStrictEqual(names.map((n) => new TextDecoder().decode(idnaEncode(n))), want);
});

/** The command line that runs a snippet importing netdb.ts with this runtime. */
function childCommand(code: string): string[] {
  const exe = process.execPath;
  const url = new URL(
    import.meta.url.endsWith(".js") ? "../netdb.js" : "../netdb.ts",
    import.meta.url,
  );
  const script = `import { gethostname, sethostname } from ${JSON.stringify(url.href)};\n${code}`;
  return /deno[^/]*$/.test(exe)
    ? [exe, "eval", script]
    : [exe, "--input-type=module", "-e", script];
}

test("sethostname sets the host name (inside a private UTS namespace)", async (t) => {
  const probe = spawnSync("unshare", ["-u", "true"]);
  if (probe.error || probe.status !== 0) {
    t.skip(`unshare -u is not permitted: ${probe.error?.message ?? probe.stderr}`);
    return;
  }
  const code = `
    const before = gethostname();
    sethostname("ts-port-test");
    const set = gethostname();
    sethostname(new TextEncoder().encode("bytes-name"));
    console.log(JSON.stringify([before, set, gethostname()]));`;
  const mine = await outcome(["gethostname", []]);
  const out = execFileSync("unshare", ["-u", ...childCommand(code)], { encoding: "utf8" });
  const [before, set, again] = JSON.parse(out);
  assert.deepStrictEqual({ ok: before }, mine);
  assert.equal(set, "ts-port-test");
  assert.equal(again, "bytes-name");
  assert.deepStrictEqual(
    await outcome(["gethostname", []]),
    mine,
    "the machine's name is untouched",
  );
});

test("sethostname outside a namespace without the right is PermissionError", async (t) => {
  const probe = spawnSync("unshare", ["-U", "-u", "true"]);
  if (probe.error || probe.status !== 0) {
    t.skip("unshare -U is not permitted");
    return;
  }
  // A new user namespace without root mapping has no CAP_SYS_ADMIN over the UTS namespace.
  const code = `
    try { sethostname("x"); console.log("set"); }
    catch (e) { console.log(JSON.stringify([e.name, e.errno])); }`;
  const out = execFileSync("unshare", ["-U", ...childCommand(code)], { encoding: "utf8" });
  assert.deepStrictEqual(JSON.parse(out), ["PermissionError", table.errno.EPERM]);
  assert.deepStrictEqual(await outcome(["sethostname", [1]]), {
    error: ["TypeError", null, "expected str, bytes or os.PathLike object, not int"],
  });
});
