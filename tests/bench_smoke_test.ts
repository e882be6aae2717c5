/**
 * Smoke test of the benchmarks: `bench/run.ts --quick` runs every workload briefly (1/100
 * of the counts, one round) for C, Python and ours, and every checksum must be right. No
 * timing is asserted. Deno only (the harness is a Deno program).
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";

const WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6", "w9"];
const IMPLS = ["ours", "c", "python"];

/** Runs `bench/run.ts --quick` with `args`; returns its stdout (fails the test on failure). */
async function quick(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/run.ts", "--quick", ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `bench/run.ts --quick failed:\n${stderr}\n${stdout}`);
  return stdout;
}

test("bench --quick: every workload completes with the right checksum", async (t) => {
  if (typeof Deno === "undefined") {
    console.log("bench smoke test skipped: bench/run.ts needs Deno");
    t.skip("bench/run.ts needs Deno");
    return;
  }
  const stdout = await quick(["--only", IMPLS.join(",")]);
  const checks = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^CHECK (\S+) (\S+) (ok|FAIL)/.exec(line);
    if (m) checks.set(`${m[1]}/${m[2]}`, m[3]);
  }
  for (const w of WORKLOADS) {
    for (const impl of IMPLS) {
      assert.equal(checks.get(`${w}/${impl}`), "ok", `${w}/${impl}: ${stdout}`);
    }
  }
  assert.equal(checks.get("w8/ours"), "ok", "W8 start-up script");
});

test("bench/chart.ts draws one bar per ratio of the committed RESULTS.md", async (t) => {
  if (typeof Deno === "undefined") {
    t.skip("bench/ is Deno's");
    return;
  }
  // A computed specifier: the npm build's compiler must not follow it into bench/.
  const chartModule = new URL("../bench/chart.ts", import.meta.url).href;
  const { chartFromReport, parseRatios } = await import(chartModule);
  const md = Deno.readTextFileSync(new URL("../bench/RESULTS.md", import.meta.url));
  const table = parseRatios(md) as { series: string[]; rows: { values: (number | null)[] }[] };
  const ratios = table.rows.flatMap((r) => r.values).filter((v) => v !== null);
  assert.ok(table.series.includes("ours vs C") && ratios.length > 10);
  const svg = chartFromReport(md) as string;
  assert.equal(svg.match(/<title>/g)?.length, ratios.length);
  for (const v of ratios) assert.ok(svg.includes(`${v!.toFixed(2)}x</title>`));
});

test("bench --quick W10: one port from 1 and 2 Workers, ours and Deno's net", async (t) => {
  if (typeof Deno === "undefined") {
    t.skip("bench/run.ts needs Deno");
    return;
  }
  const impls = ["ours-w10-1", "ours-w10-2", "deno-w10-1", "deno-w10-2"];
  const stdout = await quick(["--workloads", "w10", "--only", impls.join(",")]);
  for (const impl of impls) assert.match(stdout, new RegExp(`^CHECK w10 ${impl} ok`, "m"));
  assert.match(stdout, /^\| ours async, 2 Workers \| \d+ ms \| [\d,]+ \| [\d.]+x \| [\d.]+ µs/m);
});
