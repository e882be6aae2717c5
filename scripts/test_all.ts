/**
 * Runs the whole test suite on every runtime: `deno test` on the sources, then the
 * npm build's suite under Node and Bun (scripts/build_npm.ts), each inside a private,
 * loopback-only network namespace (scripts/netns.sh). Prints each runtime's
 * totals and, last, the sum as one line `N passed, N failed`.
 *
 * Usage: deno run -A scripts/test_all.ts [--deno-only]
 *
 * @module
 */

interface Totals {
  passed: number;
  failed: number;
}

async function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return { code: status.code, output };
}

function denoTotals(output: string): Totals | null {
  // deno test's summary: "ok | 12 passed (3 steps) | 0 failed (1s)".
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = plain.match(/(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}

function lineTotals(output: string): Totals[] {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  return [...plain.matchAll(/^\w*:? ?(\d+) passed, (\d+) failed/gm)].map((m) => ({
    passed: Number(m[1]),
    failed: Number(m[2]),
  }));
}

const deno = Deno.execPath();
const total: Totals = { passed: 0, failed: 0 };
let ok = true;

// Each runtime's suite runs where nothing it sends leaves the machine (scripts/netns.sh).
const denoRun = await run("sh", ["scripts/netns.sh", deno, "test", "-A", "tests/"]);
const denoCounts = denoTotals(denoRun.output);
if (!denoCounts) {
  console.error("deno test printed no summary");
  ok = false;
} else {
  console.log(`deno: ${denoCounts.passed} passed, ${denoCounts.failed} failed`);
  total.passed += denoCounts.passed;
  total.failed += denoCounts.failed;
}
if (denoRun.code !== 0) ok = false;

// The async tests again with the io_uring backend (reactor/uring.ts; Deno only): the suite
// runs on both backends. ~30 s; the whole suite under io_uring takes ~2 min (1m49s here).
{
  const files = ["asyncio", "async_lifetime", "readiness", "fuzz", "helper_threads", "streams"]
    .map((f) => `tests/${f}_test.ts`);
  const uringRun = await run("sh", [
    "-c",
    'SOCKET_REACTOR=uring exec sh scripts/netns.sh "$0" test -A "$@"',
    deno,
    ...files,
  ]);
  const counts = denoTotals(uringRun.output);
  if (!counts) {
    console.error("deno test (io_uring) printed no summary");
    ok = false;
  } else {
    console.log(`deno (io_uring): ${counts.passed} passed, ${counts.failed} failed`);
    total.passed += counts.passed;
    total.failed += counts.failed;
  }
  if (uringRun.code !== 0) ok = false;
}

if (!Deno.args.includes("--deno-only")) {
  const npmRun = await run(deno, ["run", "-A", "scripts/build_npm.ts"]);
  const counts = lineTotals(npmRun.output);
  if (counts.length === 0) {
    console.error("the npm build's test run printed no totals");
    ok = false;
  }
  for (const c of counts) {
    total.passed += c.passed;
    total.failed += c.failed;
  }
  if (npmRun.code !== 0) ok = false;
}

console.log(`${total.passed} passed, ${total.failed} failed`);
Deno.exit(ok && total.failed === 0 ? 0 : 1);
