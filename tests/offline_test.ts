/**
 * The suite sends nothing off the machine: `deno task test`, `deno task test:all` and
 * scripts/run_aarch64.sh run it inside scripts/netns.sh, a private network namespace
 * whose only interface is loopback, with its own /etc/hosts and a resolver on 127.0.0.1.
 * Here: the namespace is what it should be, and a sentinel DNS server on 127.0.0.1:53
 * catches the queries that the module and the python3 oracle make for names not in
 * /etc/hosts: they reach loopback, and nothing else is there for them to reach.
 *
 * Skipped, with the reason, when the suite runs outside such a namespace (netns.sh
 * could not make one, or the tests were started without it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import * as socket from "../mod.ts";

const reason = process.env.SOCKET_TEST_NETNS === "1"
  ? false
  : "not inside scripts/netns.sh's namespace (run the suite with `deno task test`)";

test("the suite runs in a private network namespace: loopback only, resolver on loopback", {
  skip: reason,
}, () => {
  assert.deepEqual(socket.if_nameindex().map(([, name]) => name), ["lo"]);
  const servers = readFileSync("/etc/resolv.conf", "utf8").split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === "nameserver")
    .map((f) => f[1]);
  assert.ok(servers.length > 0, "no nameserver in /etc/resolv.conf");
  for (const s of servers) assert.ok(s.startsWith("127.") || s === "::1", `nameserver ${s}`);
});

/** The name asked for by a DNS query (RFC 1035: a 12-byte header, then the labels). */
function queryName(packet: Uint8Array): string {
  const labels = [];
  let i = 12;
  while (i < packet.length && packet[i] !== 0) {
    labels.push(new TextDecoder().decode(packet.subarray(i + 1, i + 1 + packet[i])));
    i += 1 + packet[i];
  }
  return labels.join(".");
}

test("a name not in /etc/hosts: the module's and python3's queries stay on loopback", {
  skip: reason,
}, () => {
  using sentinel = new socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sentinel.bind(["127.0.0.1", 53]); // the namespace's nameserver; it never answers
  // A trailing dot: the name as it is, no search domains.
  assert.throws(() => socket.getaddrinfo("port.sentinel.invalid.", 80), socket.gaierror);
  const py = execFileSync("python3", [
    "-c",
    "import socket\ntry: socket.getaddrinfo('python.sentinel.invalid.', 80); print('resolved')\n" +
    "except socket.gaierror as e: print('gaierror')",
  ], { encoding: "utf8" });
  assert.equal(py.trim(), "gaierror");
  // The queries waited in the sentinel's queue meanwhile.
  sentinel.setblocking(false);
  const asked = new Set<string>();
  for (;;) {
    let packet: Uint8Array;
    let from: socket.SockAddr | null;
    try {
      [packet, from] = sentinel.recvfrom(4096);
    } catch (e) {
      if (e instanceof socket.BlockingIOError) break;
      throw e;
    }
    assert.equal((from as [string, number])[0], "127.0.0.1");
    asked.add(queryName(packet));
  }
  assert.deepEqual([...asked].sort(), ["port.sentinel.invalid", "python.sentinel.invalid"]);
});
