/**
 * The house rules that no other test watches:
 * - no import cycle among the library's modules (the graph walked from mod.ts, asyncio.ts and
 *   permissions.ts through their `import`/`export ... from` lines, type-only ones included;
 *   on Node and Bun the built JavaScript, whose graph has no type-only edges);
 * - every name mod.ts exports is one of Python's `socket` module (python3's `dir(socket)`,
 *   or a constant of the generated constants/names.ts, Python's list for newer versions) or
 *   one of the documented extensions listed here.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "./helpers/host.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import * as socket from "../mod.ts";
import * as constantNames from "../constants/names.ts";

/** The library's entry points (deno.json's exports). */
const ENTRIES = [
  new URL("../mod.ts", import.meta.url),
  new URL("../asyncio.ts", import.meta.url),
  new URL("../permissions.ts", import.meta.url),
];

const STATIC = new RegExp(
  String.raw`^[ \t]*(?:import|export)\s+(?:type\s+)?` +
    String.raw`(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?(?:\s*,\s*\*\s+as\s+\w+)?)` +
    String.raw`\s*from\s*["']([^"']+)["']`,
  "gm",
);
const BARE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The relative modules `file` imports or re-exports. */
function importsOf(file: URL): URL[] {
  const text = readFileSync(fileURLToPath(file), "utf8");
  const out: URL[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) {
    for (const m of text.matchAll(re)) {
      if (m[1].startsWith("./") || m[1].startsWith("../")) out.push(new URL(m[1], file));
    }
  }
  return out;
}

/** The first import cycle reachable from `entries` (as a path of files), or null. */
function findCycle(entries: URL[]): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: URL): string[] | null => {
    const key = file.href;
    if (state.get(key) === "done") return null;
    if (state.get(key) === "open") return [...path.slice(path.indexOf(key)), key];
    state.set(key, "open");
    path.push(key);
    for (const next of importsOf(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(key, "done");
    return null;
  };
  for (const entry of entries) {
    const cycle = visit(entry);
    if (cycle) return cycle;
  }
  return null;
}

test("the walker finds a cycle, type-only and multi-line imports included", () => {
  const dir = mkdtempSync(join(tmpdir(), "house-"));
  try {
    writeFileSync(join(dir, "a.ts"), 'import {\n  b,\n} from "./b.ts";\nexport const a = b;\n');
    writeFileSync(join(dir, "b.ts"), 'export const b = 1;\nexport type { C } from "./c.ts";\n');
    writeFileSync(
      join(dir, "c.ts"),
      'import type { a } from "./a.ts";\nexport type C = typeof a;\n',
    );
    const cycle = findCycle([pathToFileURL(join(dir, "a.ts"))]);
    assert.deepStrictEqual(cycle?.map((f) => f.slice(f.lastIndexOf("/") + 1)), [
      "a.ts",
      "b.ts",
      "c.ts",
      "a.ts",
    ]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("no import cycle among the library's modules", () => {
  const cycle = findCycle(ENTRIES);
  const root = new URL("./", ENTRIES[0]).href;
  assert.equal(cycle?.map((f) => f.slice(root.length)).join(" -> ") ?? null, null);
});

/**
 * Names mod.ts exports that Python's socket module does not have, and why each is kept.
 * (Types are not listed: they do not exist at run time.)
 */
const EXTENSIONS: Record<string, string> = {
  // Python's builtins raised by the module; JavaScript has no such builtins.
  ...Object.fromEntries(
    [
      "OSError",
      "BlockingIOError",
      "BrokenPipeError",
      "ChildProcessError",
      "ConnectionAbortedError",
      "ConnectionError",
      "ConnectionRefusedError",
      "ConnectionResetError",
      "FileExistsError",
      "FileNotFoundError",
      "InterruptedError",
      "IsADirectoryError",
      "NotADirectoryError",
      "PermissionError",
      "ProcessLookupError",
      "TimeoutError",
    ].map((n) => [n, "a Python builtin exception"]),
  ),
  UnsupportedOperation: "Python's io.UnsupportedOperation, raised by makefile()'s files",
  // Lookups that block, run on another thread (asyncio's loop.getaddrinfo and friends).
  ...Object.fromEntries(
    [
      "getaddrinfo_async",
      "getnameinfo_async",
      "gethostbyname_async",
      "gethostbyname_ex_async",
      "gethostbyaddr_async",
    ].map((n) => [n, "the Promise-returning twin of a blocking lookup"]),
  ),
  // asyncio's low-level socket functions (loop.sock_recv, ...), as functions.
  ...Object.fromEntries(
    [
      "sock_accept",
      "sock_connect",
      "sock_recv",
      "sock_recv_into",
      "sock_recvfrom",
      "sock_recvfrom_into",
      "sock_recvmsg",
      "sock_sendall",
      "sock_sendfile",
      "sock_sendmsg",
      "sock_sendto",
    ].map((n) => [n, "asyncio's loop.sock_* as a function of the socket"]),
  ),
  // Batched datagrams (Linux recvmmsg/sendmmsg), which Python lacks: mmsg.ts.
  ...Object.fromEntries(
    ["MessageBatch", "recvmmsg", "sendmmsg", "sock_recvmmsg", "sock_sendmmsg"].map((
      n,
    ) => [n, "batched datagrams (recvmmsg/sendmmsg), an extension"]),
  ),
  // WHATWG streams over a connected socket, for JavaScript's stream APIs: streams.ts.
  socketStreams: "a ReadableStream/WritableStream pair over a connected socket, an extension",
  recv_chunks: "a connected socket's chunks to for await, an extension",
  // Python has it on Windows only (dir(socket) here is Linux's): winsock.ts.
  fromshare: "Python's socket.fromshare (Windows); raises elsewhere",
};

test("every name mod.ts exports is Python's or a documented extension", (t) => {
  const python = spawnSync(
    "python3",
    ["-c", "import socket, json; print(json.dumps(dir(socket)))"],
    {
      encoding: "utf8",
    },
  );
  if (python.error || python.status !== 0) {
    t.skip(`python3 is not available: ${python.error?.message ?? python.stderr}`);
    return;
  }
  const known = new Set<string>([
    ...JSON.parse(python.stdout) as string[],
    ...Object.keys(constantNames),
    ...Object.keys(EXTENSIONS),
  ]);
  const unknown = Object.keys(socket).filter((name) => !known.has(name)).sort();
  assert.deepStrictEqual(unknown, []);
});
