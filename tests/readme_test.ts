/**
 * The user READMEs run: every JavaScript/TypeScript block of the npm README (Node, Bun:
 * the built package's README.md, importing the package by its name) and of the JSR
 * overview (Deno: the module doc of mod.ts, which JSR shows as the package's overview).
 */
import { test, WINDOWS } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { spawnSync } from "./helpers/host.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const isDeno = "Deno" in globalThis;
const isBun = "Bun" in globalThis;

/** The nearest folder above this file holding `file` (and passing `accept`). */
function folderWith(file: string, accept = (_path: string) => true): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, file)) && accept(join(dir, file))) return dir;
    if (dirname(dir) === dir) return null;
    dir = dirname(dir);
  }
}

/** The built npm package (npm/), when this runs from the npm build. */
const pkgDir = folderWith(
  "package.json",
  (path) => JSON.parse(readFileSync(path, "utf8")).exports !== undefined,
);
/**
 * The repository: above this file, or (a package staged alone, as run_windows.sh --npm
 * stages it for Wine) where SOCKET_TEST_REPO says; else null.
 */
const root = folderWith("deno.json") ?? process.env.SOCKET_TEST_REPO ?? null;

interface Block {
  lang: string;
  code: string;
  line: number;
}

/** The fenced code blocks of a markdown text. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      lang: m[1],
      code: m[2],
      line: markdown.slice(0, m.index).split("\n").length,
    });
  }
  return blocks;
}

/** The first JSDoc comment of a file, as markdown (the ` * ` prefixes gone). */
function moduleDoc(source: string): string {
  const doc = source.slice(source.indexOf("/**") + 3, source.indexOf("*/"));
  return doc.split("\n").map((line) => line.replace(/^\s*\* ?/, "")).join("\n");
}

/**
 * What the block says it prints: the `// text` comments after its console.log calls, as
 * patterns (quotes either way, long numbers such as ports any number).
 */
function expectedOutput(code: string): RegExp[] {
  const out: RegExp[] = [];
  for (const m of code.matchAll(/console\.log\(.*\);? \/\/ (.+)$/gm)) {
    const text = m[1].replaceAll('"', "'").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out.push(new RegExp(text.replace(/\d{4,}/g, "\\d+")));
  }
  return out;
}

/** Whether this runtime parses `using` declarations. */
function hasUsing(): boolean {
  try {
    new Function("{ using x = null; }");
    return true;
  } catch {
    return false;
  }
}

/** Why this runtime cannot run `block` (the README says so too), or undefined. */
function cannotRun(block: Block): string | undefined {
  if (/^\s*(await )?using /m.test(block.code) && !hasUsing()) return "this runtime has no `using`";
  if (WINDOWS && !isDeno && !isBun && /\bfd: /.test(block.code)) {
    return "Node on Windows takes no socket as a descriptor (its fd is the C runtime's)";
  }
  return undefined;
}

/** Runs each block as a file in `dir`, with `command(file)`; all must exit 0. */
function runBlocks(
  blocks: Block[],
  dir: string,
  ext: Record<string, string>,
  command: (file: string) => [string, string[]],
  source: string,
) {
  const runnable = blocks.filter((b) => b.lang in ext);
  assert.ok(runnable.length >= 3, `${source}: too few examples`);
  const scratch = mkdtempSync(join(dir, ".readme-check-"));
  try {
    for (const block of runnable) {
      const reason = cannotRun(block);
      if (reason !== undefined) {
        console.log(`${source}:${block.line}: skipped, ${reason}`);
        continue;
      }
      const file = join(scratch, `block_${block.line}${ext[block.lang]}`);
      writeFileSync(file, block.code);
      const [cmd, args] = command(file);
      const r = spawnSync(cmd, args, { cwd: scratch, encoding: "utf8", timeout: 300_000 });
      assert.equal(r.status, 0, `${source}:${block.line} failed:\n${block.code}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Warning|Error/, `${source}:${block.line}: ${r.stderr}`);
      const printed = r.stdout.replaceAll('"', "'");
      for (const expected of expectedOutput(block.code)) {
        assert.match(printed, expected, `${source}:${block.line} printed ${r.stdout}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

test("the npm README's examples run on this runtime, importing the package by name", {
  skip: isDeno
    ? "the npm README is for Node and Bun (Deno runs the JSR overview)"
    : pkgDir === null
    ? "runs on the npm build (deno run -A scripts/build_npm.ts)"
    : false,
}, () => {
  const readme = readFileSync(join(pkgDir!, "README.md"), "utf8");
  assert.doesNotMatch(readme, /\.\/mod\.ts|bench\//, "no repository paths");
  runBlocks(
    codeBlocks(readme),
    pkgDir!,
    { js: ".mjs", cjs: ".cjs" },
    (file) => [process.execPath, [file]],
    "README.md",
  );
});

test("the JSR overview (mod.ts's module doc) runs on Deno, importing the package by name", {
  skip: !isDeno && "the JSR overview is for Deno (Node and Bun run the npm README)",
}, () => {
  const doc = moduleDoc(readFileSync(join(root!, "mod.ts"), "utf8"));
  assert.match(doc, /deno add jsr:@socket\/socket/);
  // they type-check (all at once: one block at a time takes a minute)
  const check = spawnSync(process.execPath, ["check", "--doc", "mod.ts"], {
    cwd: root!,
    encoding: "utf8",
    timeout: 600_000,
  });
  assert.equal(check.status, 0, check.stderr);
  runBlocks(
    codeBlocks(doc),
    root!,
    { ts: ".ts" },
    (
      file,
    ) => [process.execPath, [
      "run",
      "--check",
      "--allow-ffi",
      "--allow-read",
      "--allow-net=127.0.0.1",
      file,
    ]],
    "mod.ts",
  );
});

test("the README the package ships is the user README", {
  skip: pkgDir === null
    ? "runs on the npm build (deno run -A scripts/build_npm.ts)"
    : root === null
    ? "the repository is not around this build (staged alone, without SOCKET_TEST_REPO)"
    : false,
}, () => {
  assert.equal(
    readFileSync(join(pkgDir!, "README.md"), "utf8"),
    readFileSync(join(root!, "docs", "README.npm.md"), "utf8"),
  );
});
