/**
 * Builds the npm package into `npm/` and runs the test suite on Node and Bun against it.
 *
 * ```sh
 * deno run -A scripts/build_npm.ts            # build, then test under Node and Bun
 * deno run -A scripts/build_npm.ts --no-test  # build only
 * ```
 *
 * Steps:
 * 1. `tsc` (the `typescript` devDependency) compiles the module (`mod.ts`, `asyncio.ts`, the
 *    runtime backends and everything they import) and the tests and examples, to ES2022 ESM
 *    JavaScript plus `.d.ts`, with `rewriteRelativeImportExtensions` turning `./x.ts` into
 *    `./x.js`. Deno has type-checked the sources already, so tsc runs with `noCheck`.
 * 2. The package goes to `npm/esm/`; tests and examples to `npm/test/` (not packed), their
 *    relative imports of the module pointed at `npm/esm/`, so they test the built package.
 * 3. `esm/ffi/mod.js` imports its backend through the package's `#backend` import map, which
 *    picks `ffi/bun.js` under Bun, `ffi/deno.js` under Deno and `ffi/node.js` (koffi) elsewhere.
 * 4. `npm/package.json` (exports with import/require/types, typesVersions for node10, engines,
 *    os, imports, koffi as an optional dependency, the root package.json's author/repository/
 *    homepage/bugs), the user README (docs/README.npm.md), LICENSE.
 * 5. Unless `--no-test`: `node --test` and `bun test` over the compiled tests, one
 *    `<runtime>: N passed, N failed` line each; exits non-zero when anything failed.
 *
 * `sh scripts/check_npm_install.sh` then checks the packed package in a fresh project
 * (`npm install` of the tarball, koffi from the registry, an echo round trip on `node`).
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "npm");
const stage = join(out, ".stage");
const bin = join(root, "node_modules", ".bin");
const args = new Set(Deno.args);
const runTests = !args.has("--no-test");

/** Areas compiled into `npm/test/` instead of the package. */
const TEST_AREAS = ["tests", "examples"];

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every file under `dir` (recursively), as paths relative to `dir`. */
function walk(dir: string, prefix = ""): string[] {
  if (!exists(dir)) return [];
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) files.push(...walk(join(dir, entry.name), rel));
    else if (entry.isFile) files.push(rel);
  }
  return files.sort();
}

function run(cmd: string, cmdArgs: string[], cwd = root): void {
  const { code } = new Deno.Command(cmd, {
    args: cmdArgs,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  })
    .outputSync();
  if (code !== 0) throw new Error(`${cmd} ${cmdArgs.join(" ")} exited with ${code}`);
}

// ---------------------------------------------------------------- configuration

const denoJson = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
const devPackage = JSON.parse(Deno.readTextFileSync(join(root, "package.json")));
const koffiVersion: string | undefined = devPackage.devDependencies?.koffi;
if (!koffiVersion) throw new Error("package.json: koffi devDependency missing (npm install)");
if (!exists(join(bin, "tsc"))) {
  throw new Error("node_modules/.bin/tsc missing: run `npm ci` first");
}

/** deno.json exports (".": "./mod.ts", ...), limited to files that exist. */
const entries: Record<string, string> = {};
for (const [key, file] of Object.entries(denoJson.exports as Record<string, string>)) {
  if (exists(join(root, file))) entries[key] = file.replace(/^\.\//, "");
}

// ---------------------------------------------------------------- compile

if (exists(out)) Deno.removeSync(out, { recursive: true });
Deno.mkdirSync(stage, { recursive: true });

const backends = ["ffi/node.ts", "ffi/bun.ts", "ffi/bun_worker.ts", "ffi/deno.ts"];
const testSources = TEST_AREAS.flatMap((area) =>
  walk(join(root, area)).filter((f) => f.endsWith(".ts")).map((f) => `${area}/${f}`)
);
const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "Bundler",
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: true,
    declaration: true,
    noCheck: true,
    skipLibCheck: true,
    isolatedModules: true,
    types: [],
    lib: ["ES2023", "DOM"],
    rootDir: root,
    outDir: stage,
    newLine: "lf",
  },
  files: [...Object.values(entries), ...backends, ...testSources].map((f) => join(root, f)),
};
const tsconfigPath = join(out, "tsconfig.build.json");
Deno.writeTextFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2));
console.log(`tsc: compiling ${tsconfig.files.length} entry files`);
run(join(bin, "tsc"), ["-p", tsconfigPath]);
Deno.removeSync(tsconfigPath);

// ---------------------------------------------------------------- lay out

const esm = join(out, "esm");
const testArea = join(out, "test");

/** Where a staged file goes: the package (esm/) or the test area (test/). */
function destination(rel: string): string {
  const area = rel.split("/")[0];
  return TEST_AREAS.includes(area) ? join(testArea, rel) : join(esm, rel);
}

/** Points the relative specifiers of a test-area file at their new places. */
function rewriteTestFile(rel: string, text: string): string {
  const from = dirname(destination(rel));
  return text.replace(/(["'])(\.{1,2}\/[^"'\n]*)\1/g, (whole, quote: string, spec: string) => {
    const target = join(dirname(rel), spec).replaceAll("\\", "/");
    if (target.startsWith("..")) return whole; // outside the repo: leave alone
    let mapped = target;
    if (target.endsWith(".ts") && !target.endsWith(".d.ts")) {
      mapped = target.slice(0, -3) + ".js";
    }
    if (!exists(join(stage, mapped)) && !exists(join(root, target))) return whole;
    let next = relative(from, destination(mapped)).replaceAll("\\", "/");
    if (!next.startsWith(".")) next = "./" + next;
    return quote + next + quote;
  });
}

for (const rel of walk(stage)) {
  const area = rel.split("/")[0];
  const isTest = TEST_AREAS.includes(area);
  if (isTest && rel.endsWith(".d.ts")) continue; // tests need no declarations
  const target = destination(rel);
  Deno.mkdirSync(dirname(target), { recursive: true });
  if (isTest && rel.endsWith(".js")) {
    Deno.writeTextFileSync(target, rewriteTestFile(rel, Deno.readTextFileSync(join(stage, rel))));
  } else {
    Deno.copyFileSync(join(stage, rel), target);
  }
}
Deno.removeSync(stage, { recursive: true });

// non-TypeScript helpers of the tests (Python oracles, fixtures)
for (const area of TEST_AREAS) {
  for (const rel of walk(join(root, area))) {
    if (rel.endsWith(".ts")) continue;
    const target = join(testArea, area, rel);
    Deno.mkdirSync(dirname(target), { recursive: true });
    Deno.copyFileSync(join(root, area, rel), target);
  }
}

// the backend: one conditional import instead of the Deno backend
for (const file of ["ffi/mod.js", "ffi/mod.d.ts"]) {
  const path = join(esm, file);
  if (!exists(path)) continue;
  const text = Deno.readTextFileSync(path);
  const next = text.replaceAll(/(["'])\.\/deno\.js\1/g, '"#backend"');
  if (file.endsWith(".js") && next === text) {
    throw new Error(`${file}: no import of ./deno.js to replace with #backend`);
  }
  Deno.writeTextFileSync(path, next);
}

// declarations keep the sources' `./x.ts` specifiers: point them at the emitted `./x.js`
for (const rel of walk(esm).filter((f) => f.endsWith(".d.ts"))) {
  const path = join(esm, rel);
  const text = Deno.readTextFileSync(path);
  Deno.writeTextFileSync(
    path,
    text.replace(/(["'])(\.{1,2}\/[^"'\n]+?)(?<!\.d)\.ts\1/g, "$1$2.js$1"),
  );
}

// ---------------------------------------------------------------- package files

// `require` is the same ES module: Node (20.19+, 22.12+) and Bun require() an ES module
// without top-level await, which is why constants/mod.ts has none.
const exportsMap: Record<string, { types: string; import: string; require: string }> = {};
for (const [key, file] of Object.entries(entries)) {
  const base = "./esm/" + file.replace(/\.ts$/, "");
  exportsMap[key] = { types: `${base}.d.ts`, import: `${base}.js`, require: `${base}.js` };
}
// The subpaths for TypeScript's node10 resolution, which ignores `exports`.
const typesVersions: Record<string, string[]> = {};
for (const [key, file] of Object.entries(entries)) {
  if (key !== ".") typesVersions[key.slice(2)] = [`./esm/${file.replace(/\.ts$/, ".d.ts")}`];
}
/** Where the project lives: the root package.json's fields (it has no registry of its own). */
const metadata: Record<string, unknown> = {};
for (const field of ["author", "repository", "homepage", "bugs"]) {
  if (devPackage[field] !== undefined) metadata[field] = devPackage[field];
  else console.warn(`package.json: no "${field}" in the root package.json; the package has none`);
}
const packageJson = {
  name: denoJson.name,
  version: denoJson.version,
  description: "A faithful port of Python's socket module over libc, for Node, Bun and Deno.",
  keywords: ["socket", "python", "ffi", "libc", "networking"],
  license: denoJson.license ?? "MIT",
  ...metadata,
  type: "module",
  main: exportsMap["."].import,
  types: exportsMap["."].types,
  typesVersions: { "*": typesVersions },
  exports: exportsMap,
  imports: {
    "#backend": {
      types: "./esm/ffi/node.d.ts",
      bun: "./esm/ffi/bun.js",
      deno: "./esm/ffi/deno.js",
      node: "./esm/ffi/node.js",
      default: "./esm/ffi/node.js",
    },
  },
  files: ["esm/", "README.md", "LICENSE"],
  // Node 18 runs it (ES modules; require() needs Node 20.19+ or 22.12+).
  engines: { node: ">=18" },
  // What the README calls supported (linux, win32: tested under Wine) or experimental (darwin).
  os: ["linux", "darwin", "win32"],
  cpu: ["x64", "arm64"],
  // Only Node needs koffi (Bun has bun:ffi, Deno Deno.dlopen): optional, so that a
  // platform without a koffi build, or a Bun or Deno install, does not fail on it.
  optionalDependencies: { koffi: koffiVersion },
  publishConfig: { access: "public" },
};
Deno.writeTextFileSync(join(out, "package.json"), JSON.stringify(packageJson, null, 2) + "\n");

if (!exists(join(root, "LICENSE"))) {
  const year = new Date().getUTCFullYear();
  Deno.writeTextFileSync(join(root, "LICENSE"), mitLicense(year));
  console.log("LICENSE: none at the repository root; wrote an MIT LICENSE there");
}
Deno.copyFileSync(join(root, "LICENSE"), join(out, "LICENSE"));
// The user README (install, import by name, runtimes): not the repository's README.md,
// which is for contributors. tests/readme_test.ts runs its examples.
Deno.copyFileSync(join(root, "docs", "README.npm.md"), join(out, "README.md"));
console.log(`built ${denoJson.name}@${denoJson.version} into npm/`);

function mitLicense(year: number): string {
  return `MIT License

Copyright (c) ${year} the socket authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
}

// ---------------------------------------------------------------- tests

if (!runTests) Deno.exit(0);

const testFiles = walk(join(testArea, "tests"))
  .filter((f) => /_test\.js$/.test(f))
  .map((f) => join(testArea, "tests", f));
if (testFiles.length === 0) {
  console.log("no compiled tests found");
  Deno.exit(1);
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Runs a command, streaming its output, and returns that output. The command runs in a
 * private, loopback-only network namespace (scripts/netns.sh): no test sends anything off
 * the machine.
 */
async function capture(cmd: string, cmdArgs: string[], cwd: string): Promise<[number, string]> {
  const args = [join(root, "scripts", "netns.sh"), cmd, ...cmdArgs];
  const child = new Deno.Command("sh", { args, cwd, stdout: "piped", stderr: "piped" }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return [status.code, text];
}

/** Node's TAP reporter ends with `# pass N`, `# fail N`, `# skipped N` lines. */
async function testNode(): Promise<Tally> {
  const [code, text] = await capture(
    "node",
    ["--test", "--test-reporter=tap", ...testFiles],
    testArea,
  );
  const count = (name: string) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1]);
  const tally = { passed: count("pass"), failed: count("fail"), skipped: count("skipped") || 0 };
  if (Number.isNaN(tally.passed) || Number.isNaN(tally.failed)) {
    return { passed: 0, failed: 1, skipped: 0 };
  }
  if (code !== 0 && tally.failed === 0) tally.failed = 1;
  return tally;
}

/** `bun test` runs node:test suites and ends with ` N pass` / ` N fail` lines. */
async function testBun(): Promise<Tally> {
  const bun = join(bin, "bun");
  if (!exists(bun)) {
    console.log("bun: not installed (npm install)");
    return { passed: 0, failed: 1, skipped: 0 };
  }
  // bun test stops a test after 5 s by default; node --test and deno test set no limit.
  // The long tests (fuzz, soak, 10,000 connections) bound their own children.
  const [code, text] = await capture(bun, ["test", "--timeout", "180000", ...testFiles], testArea);
  const count = (name: string) =>
    Number(text.match(new RegExp(`^\\s*(\\d+) ${name}$`, "m"))?.[1] ?? 0);
  const tally = { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
  if (code !== 0 && tally.failed === 0) tally.failed = 1;
  return tally;
}

const line = (t: Tally) =>
  `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}`;
const node = await testNode();
const bunTally = await testBun();
console.log(`\nnode: ${line(node)}`);
console.log(`bun: ${line(bunTally)}`);
Deno.exit(node.failed + bunTally.failed > 0 ? 1 : 0);
