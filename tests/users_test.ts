/**
 * What the people who import the package meet: the toolchain works offline from what
 * `npm ci` installed, the package loads through `require()`, and the package.json is
 * complete. (The user READMEs' examples run in tests/readme_test.ts.)
 */
import { test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawnSync } from "./helpers/host.ts";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as socket from "../mod.ts";

const isDeno = "Deno" in globalThis;

/** The repository root: the nearest folder above this file with a deno.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("no deno.json above " + import.meta.url);
    dir = up;
  }
  return dir;
}

const root = repoRoot();
const denoBin = join(root, "node_modules", ".bin", "deno");

test("deno task uses the node_modules that npm ci installed (no second download)", {
  skip: !existsSync(denoBin) && "node_modules/.bin/deno missing (npm ci)",
}, () => {
  const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  assert.equal(denoJson.nodeModulesDir, "manual");
  // A fresh DENO_DIR and an unreachable registry: any npm download fails the task.
  const denoDir = mkdtempSync(join(tmpdir(), "socket-denodir-"));
  try {
    const r = spawnSync(denoBin, ["task", "fmt", "--check", "deno.json"], {
      cwd: root,
      encoding: "utf8",
      env: {
        ...process.env,
        DENO_DIR: denoDir,
        NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
        PATH: `${dirname(denoBin)}:${process.env.PATH}`,
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Download/);
    assert.ok(!existsSync(join(denoDir, "npm", "registry.npmjs.org")), "npm packages cached");
  } finally {
    rmSync(denoDir, { recursive: true, force: true });
  }
});

/** The built package's folder (npm/) when this test runs from the npm build, else null. */
function packageDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dirname(dir) !== dir) {
    const path = join(dir, "package.json");
    if (existsSync(path) && JSON.parse(readFileSync(path, "utf8")).exports) return dir;
    dir = dirname(dir);
  }
  return null;
}

const pkgDir = packageDir();
const pkg = pkgDir && JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const onPackage = pkgDir === null
  ? "the npm build's package.json is tested on Node and Bun"
  : false;

/** Whether this runtime can require() an ES module: Bun, Node 20.19+, 22.12+, 23+. */
function requiresEsm(): boolean {
  if ("Bun" in globalThis) return true;
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major >= 23 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
}

test("require() loads the package and its subpaths", {
  skip: onPackage ||
    (!requiresEsm() && `Node ${process.versions.node} cannot require() an ES module (20.19+)`),
}, () => {
  const code = `
    const socket = require(${JSON.stringify(pkg.name)});
    const asyncio = require(${JSON.stringify(pkg.name + "/asyncio")});
    const [a, b] = socket.socketpair();
    a.sendall(new Uint8Array([1, 2, 3]));
    const got = Array.from(b.recv(3));
    a.close(); b.close();
    console.log(JSON.stringify([socket.AF_INET, typeof asyncio.sock_recv, got]));`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: pkgDir!, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [2, "function", [1, 2, 3]]);
});

const tsc = join(root, "node_modules", ".bin", "tsc");
const TS_PROGRAM = `
import * as socket from "@socket/socket";
import { sock_recv } from "@socket/socket/asyncio";
import { enableNetPermissionChecks } from "@socket/socket/permissions";
const [a, b] = socket.socketpair();
const pending: Promise<Uint8Array> = sock_recv(b, 1);
const family: number = socket.AF_INET;
// @ts-expect-error: the types are real, not any
const wrong: string = socket.AF_INET;
export { a, enableNetPermissionChecks, family, pending, wrong };
`;

test("the package's types resolve in a tsc project (nodenext ESM and CJS, node16, bundler)", {
  skip: onPackage || (!existsSync(tsc) && "node_modules/.bin/tsc missing (npm ci)"),
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-tsc-"));
  try {
    mkdirSync(join(dir, "node_modules", "@socket"), { recursive: true });
    symlinkSync(pkgDir!, join(dir, "node_modules", pkg.name));
    writeFileSync(join(dir, "esm.mts"), TS_PROGRAM);
    writeFileSync(join(dir, "cjs.cts"), TS_PROGRAM);
    writeFileSync(join(dir, "bundled.ts"), TS_PROGRAM);
    const configs: [string, string, string[]][] = [
      ["nodenext", "nodenext", ["esm.mts", "cjs.cts"]],
      ["node16", "node16", ["esm.mts"]],
      ["esnext", "bundler", ["bundled.ts"]],
    ];
    for (const [module, moduleResolution, files] of configs) {
      const config = {
        compilerOptions: {
          module,
          moduleResolution,
          strict: true,
          noEmit: true,
          target: "es2022",
          types: ["node"],
          typeRoots: [join(root, "node_modules", "@types")],
        },
        files,
      };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
      const r = spawnSync(tsc, ["-p", dir], { encoding: "utf8" });
      assert.equal(r.status, 0, `${moduleResolution}: ${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("package.json: where it lives, who needs koffi, the engines and platforms it runs on", {
  skip: onPackage,
}, () => {
  const dev = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const field of ["author", "repository", "homepage", "bugs"]) {
    assert.deepEqual(pkg[field], dev[field], field);
  }
  assert.ok(pkg.author, "author");
  assert.deepEqual(pkg.publishConfig, { access: "public" });
  assert.equal(pkg.dependencies?.koffi, undefined, "koffi only where Node needs it");
  assert.ok(pkg.optionalDependencies.koffi);
  assert.equal(pkg.engines.node, ">=18");
  assert.deepEqual(pkg.os, ["linux", "darwin", "win32"]);
  // every file the manifest names is in the package
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.typesVersions["*"]).flat()];
  for (const entry of Object.values(pkg.exports) as Record<string, string>[]) {
    assert.deepEqual(Object.keys(entry), ["types", "import", "require"]);
    targets.push(...Object.values(entry));
  }
  for (const target of targets as string[]) {
    assert.ok(existsSync(join(pkgDir!, target)), target);
  }
});

// ---------------------------------------------------------------- errors for JavaScript users

/** The error `fn` throws (fails when it throws nothing). */
function thrown(fn: () => unknown): socket.OSError {
  try {
    fn();
  } catch (e) {
    return e as socket.OSError;
  }
  throw new assert.AssertionError({ message: "nothing thrown" });
}

/** The file of the first frame of a stack. */
function firstFrame(stack: string | undefined): string {
  return stack?.split("\n").find((line) => /^\s+at /.test(line)) ?? "";
}
const thisFile = fileURLToPath(import.meta.url).split(/[\\/]/).pop()!;

test("errors: code is the errno's name, a gaierror's EAI_ name, ETIMEDOUT for timeouts", () => {
  const [a, b] = socket.socketpair();
  try {
    b.settimeout(0.01);
    const timedOut = thrown(() => b.recv(1));
    assert.ok(timedOut instanceof socket.TimeoutError);
    assert.equal(timedOut.errno, null); // as Python's socket.timeout
    assert.equal(timedOut.code, "ETIMEDOUT");
    a.close();
    const closed = thrown(() => a.recv(1));
    // Windows: a closed socket is WSAENOTSOCK, as CPython there.
    assert.equal(closed.code, WINDOWS ? "ENOTSOCK" : "EBADF");
  } finally {
    a.close();
    b.close();
  }
  const gai = thrown(() =>
    socket.getaddrinfo("not a number", null, 0, 0, 0, socket.AI_NUMERICHOST)
  );
  assert.ok(gai instanceof socket.gaierror);
  assert.equal(gai.errno, socket.EAI_NONAME);
  assert.equal(gai.code, "EAI_NONAME");
  assert.equal(gai.syscall, "getaddrinfo");
  // h_errno 1 is HOST_NOT_FOUND (netdb.h; Winsock's h_errno values are WSA codes, unnamed here)
  if (!WINDOWS) assert.equal(new socket.herror(1, "Unknown host").code, "HOST_NOT_FOUND");
});

test("errors: the inet_* functions' bad addresses have code and syscall", () => {
  const cases: [() => unknown, string, string][] = [
    [() => socket.inet_aton("nope"), "inet_aton", "illegal IP address string passed to inet_aton"],
    [
      () => socket.inet_pton(socket.AF_INET6, "1::2::3"),
      "inet_pton",
      "illegal IP address string passed to inet_pton",
    ],
    [
      () => socket.inet_ntoa(new Uint8Array(3)),
      "inet_ntoa",
      "packed IP wrong length for inet_ntoa",
    ],
  ];
  for (const [fn, syscall, message] of cases) {
    const e = thrown(fn);
    assert.ok(e instanceof socket.OSError);
    assert.equal(e.message, message); // Python's
    assert.equal(e.code, "ERR_INVALID_IP_ADDRESS");
    assert.equal(e.syscall, syscall);
  }
});

test("errors: the stack starts at the caller's frame, not the module's", () => {
  const bad = thrown(() => socket.inet_aton("nope"));
  assert.match(firstFrame(bad.stack), new RegExp(thisFile.replace(".", "\\.")), bad.stack);
  const [a] = socket.socketpair();
  a.close();
  const e = thrown(() => a.send(new Uint8Array(1)));
  assert.equal(e.code, WINDOWS ? "ENOTSOCK" : "EBADF");
  assert.match(firstFrame(e.stack), new RegExp(thisFile.replace(".", "\\.")), e.stack);
});

test("a dropped socket's ResourceWarning goes through process.emitWarning", {
  skip: (isDeno || "Bun" in globalThis) &&
    "Deno and Bun print the ResourceWarning (Deno has no process warnings; Bun's open a descriptor)",
}, () => {
  const modUrl = new URL("../mod.ts", import.meta.url).href;
  const code = `
    const socket = await import(${JSON.stringify(modUrl)});
    const seen = new Promise((resolve) => process.on("warning", resolve));
    (() => { new socket.socket(); })();
    const timer = setInterval(globalThis.gc, 20);
    const w = await seen;
    clearInterval(timer);
    console.log(JSON.stringify([w.name, w.message]));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const [name, message] = JSON.parse(r.stdout);
  assert.equal(name, "ResourceWarning");
  assert.match(message, /^unclosed <socket\.socket fd=\d+, family=AF_INET, type=SOCK_STREAM>$/);
});

// ---------------------------------------------------------------- AbortSignal on the resolvers

test("the _async resolvers take a { signal }: an abort rejects at once with its reason", async () => {
  const lookups: ((signal: AbortSignal) => Promise<unknown>)[] = [
    (signal) => socket.getaddrinfo_async("127.0.0.1", 80, 0, 0, 0, 0, { signal }),
    (signal) => socket.getnameinfo_async(["127.0.0.1", 80], socket.NI_NUMERICHOST, { signal }),
    (signal) => socket.gethostbyname_async("127.0.0.1", { signal }),
    (signal) => socket.gethostbyname_ex_async("127.0.0.1", { signal }),
    (signal) => socket.gethostbyaddr_async("127.0.0.1", { signal }),
  ];
  for (const lookup of lookups) {
    // aborted before the call: no lookup starts
    const reason = new Error("stop");
    await assert.rejects(lookup(AbortSignal.abort(reason)), (e) => e === reason);
    // aborted while the other thread works: the promise does not wait for it
    const controller = new AbortController();
    const pending = lookup(controller.signal);
    controller.abort();
    await assert.rejects(pending, { name: "AbortError" });
    // not aborted: the answer, and no listener left on the signal
    const quiet = new AbortController();
    assert.ok(await lookup(quiet.signal));
  }
  assert.deepEqual(
    (await socket.getaddrinfo_async("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM))[0][4],
    ["127.0.0.1", 80],
  );
});
