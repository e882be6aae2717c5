/**
 * The per-platform skip lists of tests/helpers/platform.ts, checked on any machine:
 * `platformSkip` is a pure function of a platform id and a test name, so macOS's list is
 * exercised here as on a Mac. Every entry of macOS's list must still name a test (a renamed
 * test would otherwise silently stop skipping and fail there), and what Linux runs skips
 * nowhere on Linux.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  DARWIN_SKIP_PATTERNS,
  FD_DIR,
  LINUX,
  LOOPBACK,
  platformSkip,
  skipUnlessLinux,
} from "./helpers/platform.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The names of the suite's tests, read from the test files' sources (this file's
 * directory: the .ts files, or the npm build's .js): the literal first argument of each
 * `test(` call, up to its first `${`.
 */
function testNames(): string[] {
  const names: string[] = [];
  for (const file of readdirSync(here)) {
    if (!/_test\.(ts|js)$/.test(file) || file.startsWith("platform_skips_test.")) continue;
    const source = readFileSync(join(here, file), "utf8");
    for (const m of source.matchAll(/\btest\(\s*(["'`])((?:\\.|(?!\1).)*)\1/g)) {
      names.push(m[2].split("${")[0]);
    }
    // a name built in a loop: `test(`examples/${name}.ts ...`)` keeps its literal prefix
  }
  return names;
}

const names = testNames();

test("the skip predicate: macOS's list on darwin ids only, labelled with the platform", () => {
  for (const id of ["darwin_aarch64", "darwin_x86_64"]) {
    const reason = platformSkip(id, "AF_NETLINK: bind and getsockname [pid, groups]");
    assert.match(reason ?? "", /^macOS: a Linux-only kernel feature/);
    assert.match(
      platformSkip(id, "PEP 475: a recv interrupted by signals is retried") ?? "",
      /^macOS: .*glibc/,
    );
    assert.match(platformSkip(id, "sethostname sets the host name") ?? "", /UTS namespace/);
    // what macOS runs: not on its list
    assert.equal(platformSkip(id, "AF_INET: the README's round trip with no cast"), undefined);
    assert.equal(platformSkip(id, "send_fds / recv_fds over a socketpair"), undefined);
  }
  for (const id of ["linux_x86_64_gnu", "linux_aarch64_gnu", "linux_x86_64_musl"]) {
    for (const name of names) assert.equal(platformSkip(id, name), undefined, `${id}: ${name}`);
  }
  // Windows keeps its own list (AF_UNIX under Wine), not macOS's.
  assert.match(platformSkip("windows_x86_64", "AF_UNIX: a path in, the path out") ?? "", /^Wind/);
  assert.equal(platformSkip("darwin_aarch64", "AF_UNIX: a path in, the path out"), undefined);
});

test("every entry of macOS's skip list names a test of the suite", (t) => {
  assert.ok(names.length > 150, `only ${names.length} test names found in ${here}`);
  const unmatched = DARWIN_SKIP_PATTERNS.filter((p) =>
    !names.some((n) => typeof p === "string" ? n.startsWith(p) : p.test(n))
  );
  assert.deepEqual(unmatched, []);
  const skipped = names.filter((n) => platformSkip("darwin_aarch64", n) !== undefined);
  t.diagnostic(`${skipped.length} of ${names.length} tests skip on macOS by name`);
});

test("the platform facts the tests use", () => {
  if (LINUX) {
    assert.equal(skipUnlessLinux("x"), false);
    assert.equal(LOOPBACK, "lo");
    assert.equal(FD_DIR, "/proc/self/fd");
  } else {
    assert.match(skipUnlessLinux("x") as string, /: x$/);
  }
  assert.ok(readdirSync(FD_DIR).length >= 3, "stdin, stdout, stderr");
});
