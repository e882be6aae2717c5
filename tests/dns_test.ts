/**
 * Names beyond /etc/hosts, against a DNS server the test starts: CNAME chains and
 * canonical names, several A and AAAA records, NXDOMAIN, gethostbyname_ex aliases,
 * reverse lookups, IDNA names, and a slow answer showing that the async twins keep
 * the event loop running.
 *
 * Everything runs in a child inside private mount and network namespaces
 * (`unshare -mn`): only the loopback interface exists, /etc/hosts and
 * /etc/resolv.conf are bind-mounted from a temporary directory, and the only name
 * server is tests/helpers/dns_server.py on 127.0.0.1:53. No query can leave the
 * machine. python3 evaluates the same cases in the same namespaces, and the
 * answers must be equal. Skipped, with the reason, when unshare is not permitted.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync } from "./helpers/host.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

import { table } from "../constants/mod.ts";
import { type Case, ORACLE, type Outcome, toJson } from "./helpers/dns_cases.ts";
import { mountNetnsUnavailable } from "./helpers/reliability_util.ts";

const C = table.constants;
const helper = (name: string) => fileURLToPath(new URL(`./helpers/${name}`, import.meta.url));

/** A canonical name of 250 characters (getaddrinfo's result, with AI_CANONNAME, of its alias). */
const LONG_NAME = `${"x".repeat(61)}.`.repeat(4) + "test";
/** 48 IPv4 and 48 IPv6 addresses of one name: 288 addrinfo nodes with no type given. */
const MANY = Array.from(
  { length: 48 },
  (_, i) => `10.2.0.${i + 1} many.test\nfd00::2:${i + 1} many.test`,
)
  .join("\n");
const HOSTS = `127.0.0.1 localhost
::1 localhost ip6-localhost
10.1.1.1 hostsonly.test alias1.test alias2
10.3.0.1 ${LONG_NAME} longalias.test
${MANY}
`;
const RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:2 attempts:1\n";

const cases: Case[] = [
  ["getaddrinfo", ["a.test", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", ["a.test", 80, C.AF_INET, C.SOCK_STREAM]],
  ["getaddrinfo", ["a.test", 80, C.AF_INET6, C.SOCK_STREAM]],
  ["getaddrinfo", ["a.test", "http", 0, 0, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["www.test", 80, 0, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["www.test", 80, C.AF_INET, C.SOCK_DGRAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["WWW.Test", 80, C.AF_INET, C.SOCK_DGRAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["www.test", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", ["v4only.test", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", ["v4only.test", 80, C.AF_INET6, C.SOCK_STREAM]],
  ["getaddrinfo", ["v6only.test", 80, 0, C.SOCK_STREAM]],
  ["getaddrinfo", ["v6only.test", 80, C.AF_INET, C.SOCK_STREAM]],
  ["getaddrinfo", ["v4only.test", 80, C.AF_INET6, C.SOCK_STREAM, 0, C.AI_V4MAPPED]],
  [
    "getaddrinfo",
    ["a.test", 80, C.AF_INET6, C.SOCK_STREAM, 0, C.AI_V4MAPPED | C.AI_ALL | C.AI_CANONNAME],
  ],
  ["getaddrinfo", ["bücher.test", 80, C.AF_INET, C.SOCK_STREAM]],
  ["getaddrinfo", ["nx.test", 80]],
  ["getaddrinfo", ["nx.test", 80, 0, 0, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["hostsonly.test", 80, C.AF_INET, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["alias2", 80, C.AF_INET, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  // long canonical names, many nodes (resolve.ts reads each node into reused memory)
  ["getaddrinfo", ["longalias.test", 80, 0, 0, 0, C.AI_CANONNAME]],
  ["getaddrinfo", [LONG_NAME, "http", C.AF_INET, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["many.test", 80]],
  ["getaddrinfo", ["many.test", 443, 0, C.SOCK_STREAM, 0, C.AI_CANONNAME]],
  ["getaddrinfo", ["many.test", 80, C.AF_INET6, C.SOCK_DGRAM]],
  ["gethostbyname_ex", ["many.test"]],
  ["gethostbyname_ex", ["longalias.test"]],
  ["getnameinfo", [["10.0.0.1", 80], 0]],
  ["getnameinfo", [["10.0.0.4", 53], C.NI_DGRAM]],
  ["getnameinfo", [["10.9.9.9", 80], 0]],
  ["getnameinfo", [["10.9.9.9", 80], C.NI_NAMEREQD]],
  ["getnameinfo", [["10.1.1.1", 80], C.NI_NOFQDN]],
  ["getnameinfo", [["fd00::1", 80, 0, 0], 0]],
  ["gethostbyname", ["a.test"]],
  ["gethostbyname", ["www.test"]],
  ["gethostbyname", ["v6only.test"]],
  ["gethostbyname", ["nx.test"]],
  ["gethostbyname", ["bücher.test"]],
  ["gethostbyname_ex", ["a.test"]],
  ["gethostbyname_ex", ["www.test"]],
  ["gethostbyname_ex", ["hostsonly.test"]],
  ["gethostbyname_ex", ["alias2"]],
  ["gethostbyname_ex", ["nx.test"]],
  ["gethostbyname_ex", ["v6only.test"]],
  ["gethostbyaddr", ["10.0.0.1"]],
  ["gethostbyaddr", ["10.0.0.4"]],
  ["gethostbyaddr", ["10.1.1.1"]],
  ["gethostbyaddr", ["10.9.9.9"]],
  ["gethostbyaddr", ["fd00::1"]],
  ["gethostbyaddr", ["www.test"]],
  ["gethostbyaddr", ["nx.test"]],
  ["getfqdn", ["alias2"]],
  ["getfqdn", ["www.test"]],
  ["getfqdn", ["10.0.0.1"]],
  ["getfqdn", ["nx.test"]],
];

const reason = mountNetnsUnavailable();

test("resolution beyond /etc/hosts matches python3, against a local DNS server", {
  skip: reason ?? false,
}, () => {
  if (reason) return;
  const dir = mkdtempSync(join(tmpdir(), "socket-dns-"));
  try {
    writeFileSync(join(dir, "hosts"), HOSTS);
    writeFileSync(join(dir, "resolv.conf"), RESOLV_CONF);
    writeFileSync(join(dir, "cases.json"), JSON.stringify(cases.map(([f, a]) => [f, toJson(a)])));
    const runtime = /deno[^/]*$/.test(process.execPath)
      ? `'${process.execPath}' run -A`
      : `'${process.execPath}'`;
    const childFile = helper(import.meta.url.endsWith(".js") ? "dns_child.js" : "dns_child.ts");
    const script = [
      "set -e",
      "ip link set lo up",
      `mount --bind '${dir}/hosts' /etc/hosts`,
      `mount --bind '${dir}/resolv.conf' /etc/resolv.conf`,
      `python3 '${helper("dns_server.py")}' 127.0.0.1 53 '${dir}/ready' & server=$!`,
      `trap 'kill $server' EXIT`,
      `for i in $(seq 100); do [ -e '${dir}/ready' ] && break; sleep 0.05; done`,
      `DNS_CASES='${dir}/cases.json' ${runtime} '${childFile}' > '${dir}/port.json'`,
      `python3 '${ORACLE}' < '${dir}/cases.json' > '${dir}/python.json'`,
    ].join("\n");
    execFileSync("unshare", ["-mn", "sh", "-c", script], {
      stdio: ["ignore", "inherit", "inherit"],
    });

    const python: Outcome[] = JSON.parse(readFileSync(join(dir, "python.json"), "utf8"));
    const port = JSON.parse(readFileSync(join(dir, "port.json"), "utf8"));
    const differences = cases.flatMap((c, i) => {
      const found = [];
      try {
        assert.deepStrictEqual(port.sync[i], python[i]);
      } catch {
        found.push({ case: toJson(c), sync: port.sync[i], python: python[i] });
      }
      if (port.async[i] !== null) {
        try {
          assert.deepStrictEqual(port.async[i], python[i]);
        } catch {
          found.push({ case: toJson(c), async: port.async[i], python: python[i] });
        }
      }
      return found;
    });
    assert.deepStrictEqual(differences, []);

    // The zone's answers really came from the server (not from the machine's resolver).
    const a = cases.findIndex(([f, args]) => f === "gethostbyname_ex" && args[0] === "www.test");
    assert.deepStrictEqual(python[a], {
      ok: ["a.test", ["www.test", "alias.test"], ["10.0.0.1", "10.0.0.2"]],
    });
    const nx = cases.findIndex(([f, args]) => f === "getaddrinfo" && args[0] === "nx.test");
    assert.deepStrictEqual(port.sync[nx], {
      error: ["gaierror", C.EAI_NONAME, "[Errno -2] Name or service not known"],
    });

    // Every node of the long list came back, and the long canonical name whole.
    const many = cases.findIndex(([f, args]) => f === "getaddrinfo" && args[0] === "many.test");
    assert.equal(port.sync[many].ok.length, 288);
    const long = cases.findIndex(([f, args]) =>
      f === "getaddrinfo" && args[0] === "longalias.test"
    );
    assert.equal(port.sync[long].ok[0][3], LONG_NAME);

    // The slow lookup took the server's delay, and timers kept firing meanwhile.
    assert.deepStrictEqual(port.slow.result, [[C.AF_INET, C.SOCK_STREAM, C.IPPROTO_TCP, "", [
      "10.0.0.9",
      80,
    ]]]);
    assert.ok(port.slow.elapsed >= 1000, `slow lookup took ${port.slow.elapsed} ms`);
    assert.ok(port.slow.ticks >= 50, `only ${port.slow.ticks} timer ticks while pending`);
  } finally {
    if (!process.env.KEEP_DNS_DIR) rmSync(dir, { recursive: true, force: true });
  }
});
