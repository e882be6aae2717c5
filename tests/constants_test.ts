/**
 * Tests of the generated constants: Python's socket and errno modules agree
 * with the tables, the generator is deterministic, and the struct layouts are
 * sane. Written against node:test so the suite runs under Deno, Node and Bun.
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { execFileSync } from "./helpers/host.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

import * as names from "../constants/names.ts";
import { platformTable, platformTables, table } from "../constants/mod.ts";
import { table as windowsTable } from "../constants/windows_x86_64.ts";

/** Runs a Python snippet that prints JSON; null when python3 is not installed. */
function python(code: string): unknown {
  try {
    return JSON.parse(execFileSync("python3", ["-c", code], { encoding: "utf8" }));
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
}

const PY_SOCKET_INTS = "import socket, json; print(json.dumps({k: v for k, v in " +
  "vars(socket).items() if not k.startswith('_') and isinstance(v, int) " +
  "and not isinstance(v, bool)}))";

const PY_ERRNO = "import errno, json; print(json.dumps({'errorcode': errno.errorcode, " +
  "'names': {k: getattr(errno, k) for k in dir(errno) if k.startswith('E')}}))";

const hasPython = python("print(1)") !== null;
const exported = names as unknown as Record<string, number | undefined>;

test("the running platform has a table", () => {
  // (on Windows constants/mod.ts adds the emulated calls' codes to a copy: compare a part)
  assert.equal(platformTables[table.platform].constants, table.constants);
  assert.throws(() => platformTable("plan9_mips"), /no constants table for platform plan9_mips/);
  assert.ok(Object.keys(table.constants).length > 100);
});

test("every int constant of Python's socket module is exported with its value", {
  skip: !hasPython && "python3 not found",
}, () => {
  const py = python(PY_SOCKET_INTS) as Record<string, number>;
  const missing = Object.keys(py).filter((name) => exported[name] === undefined);
  assert.deepEqual(missing, [], "names Python has and names.ts lacks");
  for (const [name, value] of Object.entries(py)) {
    assert.equal(exported[name], value, name);
  }
});

test("names.ts exports socket names only (errno only EAGAIN, EBADF, EWOULDBLOCK)", () => {
  // constants/mod.ts does not import Windows yet (no backend), but names.ts types its names.
  const tables = [...Object.values(platformTables), windowsTable];
  const known = new Set(tables.flatMap((t) => Object.keys(t.constants)));
  for (const name of Object.keys(names)) {
    assert.ok(known.has(name), name);
    if (name in table.errno) assert.ok(["EAGAIN", "EBADF", "EWOULDBLOCK"].includes(name), name);
  }
  assert.equal(exported.ECONNREFUSED, undefined);
  assert.equal(names.EAGAIN, table.errno.EAGAIN);
  assert.equal(names.EWOULDBLOCK, table.errno.EWOULDBLOCK);
  assert.equal(names.EBADF, table.errno.EBADF);
});

test("the errno table matches Python's errno module", {
  skip: !hasPython && "python3 not found",
}, () => {
  const py = python(PY_ERRNO) as {
    errorcode: Record<string, string>;
    names: Record<string, number>;
  };
  for (const [code, name] of Object.entries(py.errorcode)) {
    assert.equal(table.errno[name], Number(code), `errorcode[${code}] = ${name}`);
  }
  for (const [name, value] of Object.entries(table.errno)) {
    if (name in py.names) assert.equal(value, py.names[name], name);
  }
});

const root = fileURLToPath(new URL("..", import.meta.url));
const generatorSkip = (typeof process.versions.deno !== "string" && "the generator runs on Deno") ||
  (process.env.SKIP_GEN_CONSTANTS_TEST === "1" && "SKIP_GEN_CONSTANTS_TEST=1");

/** Runs the generator with `env` into a scratch directory; asserts `files` equal the committed. */
function regenerates(env: Record<string, string>, files: readonly string[]): void {
  const out = mkdtempSync(join(tmpdir(), "gen_constants_test_"));
  try {
    execFileSync(
      process.execPath,
      ["run", "-A", join(root, "scripts", "gen_constants.ts"), "--out", out],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, PLATFORM: "", ...env } },
    );
    for (const file of files) {
      const fresh = readFileSync(join(out, file), "utf8");
      const committed = readFileSync(join(root, "constants", file), "utf8");
      assert.ok(fresh === committed, `${file} differs from the committed one`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test("re-running the generator reproduces the committed files byte for byte", {
  skip: generatorSkip,
}, () => {
  regenerates({}, [`${table.platform}.ts`, "names.ts"]);
});

test("the asm mode (values read from the compiled assembly) writes the same table", {
  skip: generatorSkip,
}, () => {
  regenerates({ PROBE_MODE: "asm" }, [`${table.platform}.ts`, "names.ts"]);
});

/** The Zig that scripts/gen_all_platforms.sh pins and installs, if it is installed. */
function pinnedZig(): { zig: string; lib: string } | null {
  const scriptPath = join(root, "scripts", "gen_all_platforms.sh");
  if (!existsSync(scriptPath)) return null; // the npm build's tests have no scripts/
  const script = readFileSync(scriptPath, "utf8");
  const version = /^ZIG_VERSION=(\S+)$/m.exec(script)?.[1];
  const home = process.env.HOME ?? "";
  const dir = process.env.SOCKET_ZIG_DIR ?? join(home, ".cache", "socket-zig", version ?? "");
  const pkg = join(dir, "node_modules", "@ryoppippi", "zig-linux-x64");
  return version && existsSync(join(pkg, "zig"))
    ? { zig: join(pkg, "zig"), lib: join(pkg, "lib") }
    : null;
}

const zig = !generatorSkip && process.arch === "x64" && process.platform === "linux"
  ? pinnedZig()
  : null;

test("Zig's SDK headers reproduce the darwin and windows tables byte for byte", {
  skip: generatorSkip ||
    (zig === null &&
      "the pinned Zig is not installed (bash scripts/gen_all_platforms.sh installs it)"),
}, () => {
  for (
    const [platform, target] of [
      ["darwin_aarch64", "aarch64-macos"],
      ["darwin_x86_64", "x86_64-macos"],
      ["windows_x86_64", "x86_64-windows-gnu"],
    ]
  ) {
    regenerates({
      PLATFORM: platform,
      PROBE_MODE: "asm",
      CC: `${zig!.zig} cc -target ${target}`,
      ZIG_LIB_DIR: zig!.lib,
      RUNNER: "",
    }, [`${platform}.ts`]);
  }
});

test("struct layouts are sane", () => {
  const { layouts, sys } = table;
  assert.equal(layouts.sockaddr_in.size, 16);
  assert.equal(layouts.sockaddr_in.sin_port, 2);
  assert.equal(layouts.sockaddr_in.sin_addr, 4);
  assert.equal(layouts.sockaddr_in6.size, 28);
  assert.equal(layouts.sockaddr_in6.sin6_addr, 8);
  assert.equal(layouts.sockaddr_in6.sin6_scope_id, 24);
  assert.equal(layouts.sockaddr_storage.size, 128);
  // Windows has WSABUF {ULONG len; char *buf} where POSIX has iovec
  const iovec = layouts.iovec ?? (layouts as unknown as Record<string, { size: number }>).WSABUF;
  assert.equal(iovec.size, 2 * sys.SIZEOF_POINTER!);
  assert.ok(layouts.sockaddr_un.sun_path$size! >= 92);
  assert.equal(sys.CMSG_HDR_LEN, layouts.cmsghdr.cmsg_data);
  for (const [name, layout] of Object.entries(layouts)) {
    for (const [key, value] of Object.entries(layout as Record<string, number>)) {
      if (key === "size" || key === "align") assert.ok(value > 0, `${name}.${key}`);
      else assert.ok(value >= 0 && value <= layout.size, `${name}.${key}`);
    }
  }
});

test("layouts agree with Python's ctypes", { skip: !hasPython && "python3 not found" }, () => {
  const py = python(
    "import ctypes, json; print(json.dumps({'pointer': ctypes.sizeof(ctypes.c_void_p), " +
      "'size_t': ctypes.sizeof(ctypes.c_size_t), 'int': ctypes.sizeof(ctypes.c_int), " +
      "'long': ctypes.sizeof(ctypes.c_long)}))",
  ) as Record<string, number>;
  assert.equal(table.sys.SIZEOF_POINTER, py.pointer);
  assert.equal(table.sys.SIZEOF_SIZE_T, py.size_t);
  assert.equal(table.sys.SIZEOF_INT, py.int);
  assert.equal(table.sys.SIZEOF_LONG, py.long);
});
