/**
 * The benchmark harness: `deno task bench` (= `deno run -A bench/run.ts`).
 *
 * Builds the C baselines (`cc -O2`) into bench/build/, then runs every implementation of
 * every workload in the same run, round-robin (the order of the implementations rotates
 * each round), `--rounds N` times (default 5). Each implementation is its own process
 * that times the workload itself and prints one JSON line `{seconds, count, checksum}`, so
 * process start-up is excluded (except in W8, which measures it). Every checksum is
 * checked against the expected value. The table of medians and ratios goes to
 * bench/RESULTS.md and stdout.
 *
 * ```sh
 * deno task bench                              # full run, writes bench/RESULTS.md
 * deno run -A bench/run.ts --rounds 3 --scale 0.5
 * deno run -A bench/run.ts --quick --only ours,c,python   # smoke: 1/100 counts, 1 round
 * ```
 *
 * Options: `--rounds N`, `--scale F` (multiplies every count), `--quick` (scale 0.01, one
 * round, no timing assertions, RESULTS.md untouched unless `--out` is given), `--only
 * a,b` (implementation ids: c, python, ours, ours-async, deno, node, ours-node, ours-bun,
 * ours-node-async, ours-bun-async, ours-w10-1, ours-w10-2, deno-w10-1, deno-w10-2),
 * `--workloads w1,w2`, `--out FILE`, `--json FILE` (the raw results as JSON).
 *
 * W10 (bench/w10.ts) serves one port from 1 and from 2 Workers with SO_REUSEPORT, against
 * a C client process (bench/c/w10_client.c) of 64 concurrent connections; its section
 * gives each one's round trips per second and the scaling from 1 to 2 Workers.
 *
 * With the report goes its picture: the ratios as an SVG bar chart (bench/chart.ts), at the
 * report's path with `.svg` for `.md` (bench/RESULTS.svg).
 *
 * W7 (1,000 concurrent echo connections in one process, 100 round trips each at scale 1)
 * also reports each child's peak RSS (VmHWM / ru_maxrss), printed as `rss` in its JSON line.
 *
 * @module
 */
import { chartFromReport } from "./chart.ts";

const join = (...parts: string[]): string => parts.join("/").replace(/\/+/g, "/");
const bench = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");
const root = bench.replace(/\/[^/]*$/, "");
const build = join(bench, "build");
const deno = Deno.execPath();

// ---- options ------------------------------------------------------------------------------

function option(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  if (i < 0) return undefined;
  const value = Deno.args[i + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
}
const quick = Deno.args.includes("--quick");
const rounds = quick ? 1 : Number(option("--rounds") ?? 5);
const scale = Number(option("--scale") ?? (quick ? 0.01 : 1));
const only = option("--only")?.split(",");
const onlyWorkloads = option("--workloads")?.split(",");
const outPath = option("--out") ?? (quick ? undefined : join(bench, "RESULTS.md"));
const jsonPath = option("--json");
const TIMEOUT_MS = quick ? 60_000 : 300_000;
if (!(rounds >= 1) || !(scale > 0)) throw new Error("--rounds must be >= 1, --scale > 0");

// ---- workloads ----------------------------------------------------------------------------

type Kind = "one" | "two";
interface Workload {
  id: string;
  title: string;
  kind: Kind;
  /** The full count (messages, round trips, datagrams, calls; bytes for W4). */
  count: number;
  /** The checksum every implementation must print for `n`. */
  expected(n: number): number;
  /** Bytes per second instead of seconds in the table. */
  throughput?: boolean;
}

/** 64 bytes per message plus the first byte, which carries i & 255. */
function pingSum(n: number): number {
  const cycles = Math.floor(n / 256);
  const rest = n % 256;
  return 64 * n + cycles * 32640 + (rest * (rest - 1)) / 2;
}

const GiB = 1024 ** 3;
/** W10's concurrent connections (bench/w10.ts's W10_CONNS). */
const W10_CONNS = 64;
/** W7's number of concurrent connections (fixed; --scale changes the round trips of each). */
const W7_CONNS = 1000;
const workloads: Workload[] = ([
  {
    id: "w1",
    title: "W1 socketpair 64 B send+recv, one thread",
    kind: "one",
    count: 500_000,
    expected: pingSum,
  },
  {
    id: "w2",
    title: "W2 TCP loopback 64 B ping-pong, one process",
    kind: "one",
    count: 200_000,
    expected: pingSum,
  },
  {
    id: "w3",
    title: "W3 TCP loopback 64 B ping-pong, two processes",
    kind: "two",
    count: 50_000,
    expected: pingSum,
  },
  {
    id: "w4",
    title: "W4 TCP bulk, 64 KiB sends, two processes",
    kind: "two",
    count: 2 * GiB,
    expected: (n: number) => n,
    throughput: true,
  },
  {
    id: "w5",
    title: "W5 UDP 64 B sendto+recvfrom, one process",
    kind: "one",
    count: 300_000,
    expected: pingSum,
  },
  {
    id: "w6",
    title: 'W6 getaddrinfo("localhost", 80)',
    kind: "one",
    count: 100_000,
    expected: (n: number) => n,
  },
  {
    id: "w9",
    title: "W9 UDP 64 B datagrams, 64 per call, one process",
    kind: "one",
    count: 300_000,
    expected: pingSum,
  },
  {
    id: "w7",
    title: "W7 1,000 concurrent echo connections, 64 B ping-pong, one process",
    kind: "one",
    // round trips in all: 1,000 connections x 100
    count: 100_000,
    expected: (n: number) => W7_CONNS * pingSum(n / W7_CONNS),
  },
  {
    id: "w10",
    title: "W10 one port from 2 Workers (SO_REUSEPORT), 64 connections, 64 B ping-pong",
    kind: "one",
    count: 200_000,
    expected: (n: number) => W10_CONNS * pingSum(n / W10_CONNS),
  },
] as Workload[]).filter((w) => !onlyWorkloads || onlyWorkloads.includes(w.id));
const runW8 = !onlyWorkloads || onlyWorkloads.includes("w8");

function scaled(w: Workload): number {
  const n = Math.max(1, Math.round(w.count * scale));
  // W4 in whole 64 KiB chunks, W7 in whole rounds of its 1,000 connections
  if (w.id === "w4") return Math.max(1, Math.round(n / 65536)) * 65536;
  if (w.id === "w7") return Math.max(1, Math.round(n / W7_CONNS)) * W7_CONNS;
  if (w.id === "w10") return Math.max(1, Math.floor(n / W10_CONNS)) * W10_CONNS;
  return n;
}

// ---- implementations ----------------------------------------------------------------------

interface Impl {
  id: string;
  label: string;
  cmd: string[];
  workloads: string[];
  /** The workload argument the program takes for a workload, when not its id (W9 variants). */
  alias?: Record<string, string>;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string[], cwd = root): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(cmd[0], { args: cmd.slice(1), cwd, stdin: "null" }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/**
 * bench/ours_sync.ts and bench/ours_async.ts as JavaScript against the built npm package
 * (npm/esm), for Node and Bun: the imports of ../mod.ts and ../asyncio.ts are pointed at
 * npm/esm and Bun's transpiler strips the types (Node 20 runs no TypeScript; the
 * TypeScript 7 package has no JS API). Returns the two scripts' paths.
 */
async function transpileOursForNode(
  bun: string,
): Promise<{ sync: string; async: string } | null> {
  const esm = join(root, "npm", "esm");
  if (!exists(join(esm, "mod.js")) || !exists(bun)) return null;
  // outside the repository: `deno check bench/` must not follow it into npm/
  const tmp = Deno.makeTempDirSync({ prefix: "socket-bench-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* already gone */ }
  });
  const paths: Record<string, string> = {};
  for (const name of ["ours_sync", "ours_async"]) {
    const out = join(tmp, `${name}.mjs`);
    const src = join(tmp, `${name}_npm.ts`);
    const source = Deno.readTextFileSync(join(bench, `${name}.ts`))
      .replace('"../mod.ts"', JSON.stringify(new URL(`file://${esm}/mod.js`).href))
      .replace('"../asyncio.ts"', JSON.stringify(new URL(`file://${esm}/asyncio.js`).href));
    Deno.writeTextFileSync(src, source);
    const script = `const src = await Bun.file(${JSON.stringify(src)}).text();
    await Bun.write(${
      JSON.stringify(out)
    }, "// @ts-nocheck (generated by bench/run.ts)\\n" + new Bun.Transpiler({ loader: "ts" }).transformSync(src));`;
    const r = await run([bun, "-e", script]);
    if (r.code !== 0) {
      console.error(`ours on Node/Bun skipped: transpiling failed\n${r.err}`);
      return null;
    }
    paths[name] = out;
  }
  return { sync: paths.ours_sync, async: paths.ours_async };
}

/**
 * W9's variants beside C's one-call-per-datagram loop (`c`) and ours with recvmmsg /
 * sendmmsg (`ours`): id, label, program, workload argument.
 */
const W9_VARIANTS: [string, string, string, string][] = [
  ["c-mmsg", "C sendmmsg/recvmmsg", "c", "w9-mmsg"],
  ["c-gso", "C UDP GSO/GRO", "c", "w9-gso"],
  ["ours-gso", "ours UDP GSO/GRO (Deno)", "ours_sync.ts", "w9-gso"],
];
const w9Only = W9_VARIANTS.map(([id]) => id);

/** W10's implementations: server, Workers (the 2-Worker runs stand in the ratio table). */
const W10_VARIANTS: [string, string, "ours" | "deno", number][] = [
  ["ours-w10-1", "ours async, 1 Worker", "ours", 1],
  ["ours-w10-2", "ours async, 2 Workers", "ours", 2],
  ["deno-w10-1", "Deno net, 1 Worker", "deno", 1],
  ["deno-w10-2", "Deno net, 2 Workers", "deno", 2],
];
const w10Only = W10_VARIANTS.map(([id]) => id);
/** In the ratio table's W10 row, who stands for the async API and for Deno's net. */
const W10_AS: Record<string, string> = { "ours-async": "ours-w10-2", deno: "deno-w10-2" };

/** Implementations left out of this run, with the reason. */
const skipped: string[] = [];

async function implementations(): Promise<Impl[]> {
  // W7 is for the async APIs; W9 has C's and Python's one-call-per-datagram loop
  const all = ["w1", "w2", "w3", "w4", "w5", "w6", "w9"];
  const list: Impl[] = [
    { id: "c", label: "C", cmd: [join(build, "c_bench")], workloads: all },
    { id: "python", label: "Python", cmd: ["python3", join(bench, "py_bench.py")], workloads: all },
    {
      id: "ours",
      label: "ours (Deno)",
      cmd: [deno, "run", "-A", join(bench, "ours_sync.ts")],
      workloads: all,
    },
    {
      id: "deno",
      label: "Deno net",
      cmd: [deno, "run", "-A", "--unstable-net", join(bench, "deno_net.ts")],
      workloads: ["w2", "w3", "w4", "w5", "w7"],
    },
    {
      id: "node",
      label: "Node net",
      cmd: ["node", join(bench, "node_net.mjs")],
      workloads: ["w2", "w3", "w4", "w5", "w6", "w7"],
    },
    // W9's other ways to move 64 datagrams per call (see the W9 section of the report)
    ...W9_VARIANTS.map(([id, label, program, alias]) => ({
      id,
      label,
      cmd: program === "c" ? [join(build, "c_bench")] : [deno, "run", "-A", join(bench, program)],
      workloads: ["w9"],
      alias: { w9: alias },
    })),
    ...W10_VARIANTS.map(([id, label, server, workers]) => ({
      id,
      label,
      cmd: [deno, "run", "-A", "--unstable-net", join(bench, "w10.ts"), server, String(workers)],
      workloads: ["w10"],
    })),
  ];
  if (exists(join(root, "asyncio.ts")) && exists(join(bench, "ours_async.ts"))) {
    list.push({
      id: "ours-async",
      label: "ours async (Deno)",
      cmd: [deno, "run", "-A", join(bench, "ours_async.ts")],
      workloads: ["w2", "w3", "w4", "w5", "w7"],
    });
    // The io_uring backend of the byte operations (reactor/uring.ts), chosen by SOCKET_REACTOR
    list.push({
      id: "ours-async-uring",
      label: "ours async io_uring (Deno)",
      cmd: ["env", "SOCKET_REACTOR=uring", deno, "run", "-A", join(bench, "ours_async.ts")],
      workloads: ["w2", "w3", "w4", "w7"],
    });
  }
  const wanted = (id: string) => !only || only.includes(id);
  const onNode = [
    "ours-node",
    "ours-bun",
    "ours-node-async",
    "ours-bun-async",
    "ours-node-async-uring",
    "ours-bun-async-uring",
  ];
  if (onNode.some(wanted)) {
    const bun = join(root, "node_modules", ".bin", "bun");
    const js = await transpileOursForNode(bun);
    if (js) {
      const variants: [string, string, string, string, string[]][] = [
        // id, label, runtime, script, workloads (issue 6: the sync calls and the async path)
        ["ours-node", "ours (Node)", "node", js.sync, ["w1", "w2"]],
        ["ours-bun", "ours (Bun)", bun, js.sync, ["w1", "w2"]],
        ["ours-node-async", "ours async (Node)", "node", js.async, ["w2", "w7"]],
        ["ours-bun-async", "ours async (Bun)", bun, js.async, ["w2", "w7"]],
        ["ours-node-async-uring", "ours async io_uring (Node)", "node", js.async, ["w2", "w7"]],
        ["ours-bun-async-uring", "ours async io_uring (Bun)", bun, js.async, ["w2", "w7"]],
      ];
      for (const [id, label, runtime, script, ws] of variants) {
        if (!wanted(id)) continue;
        const cmd = id.endsWith("-uring") ? ["env", "SOCKET_REACTOR=uring", runtime] : [runtime];
        // probe: skip cleanly when the npm build does not load on this runtime
        const probe = await run([...cmd, script, "w2", "1"]);
        if (probe.code === 0) list.push({ id, label, cmd: [...cmd, script], workloads: ws });
        else {
          const why = probe.err.split("\n").find((l) => /Error|error:/.test(l)) ??
            `exit ${probe.code}`;
          skipped.push(`${label}: the npm build does not load (${why.trim()})`);
        }
      }
    } else {
      skipped.push(
        "ours (Node), ours (Bun): npm/ is not built (deno task build-npm) or Bun is absent",
      );
    }
  }
  return list.filter((i) => wanted(i.id));
}

// ---- running one measurement --------------------------------------------------------------

interface Measurement {
  seconds: number;
  count: number;
  checksum: number;
  /** W7: the child's peak RSS in bytes. */
  rss?: number;
  /** W10: the server process's CPU seconds during the run. */
  cpu?: number;
}

/** Reads one line from a stream reader (bounded by the process timeout). */
async function readLine(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<string> {
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  return text.split("\n")[0];
}

function lastJson(out: string): Measurement {
  const lines = out.trim().split("\n").filter((l) => l.startsWith("{"));
  if (lines.length === 0) throw new Error(`no JSON result in output: ${out.slice(0, 500)}`);
  return JSON.parse(lines[lines.length - 1]);
}

function spawn(cmd: string[], args: string[]): Deno.ChildProcess {
  return new Deno.Command(cmd[0], {
    args: [...cmd.slice(1), ...args],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Kills `child` if it is still running after the timeout. */
function guard(child: Deno.ChildProcess): () => void {
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, TIMEOUT_MS);
  return () => clearTimeout(t);
}

async function measure(impl: Impl, w: Workload, n: number): Promise<Measurement> {
  if (w.kind === "one") {
    const child = spawn(impl.cmd, [impl.alias?.[w.id] ?? w.id, String(n)]);
    const done = guard(child);
    const o = await child.output();
    done();
    const out = new TextDecoder().decode(o.stdout);
    if (o.code !== 0) {
      throw new Error(`exit ${o.code}: ${new TextDecoder().decode(o.stderr).slice(-1500)}`);
    }
    return lastJson(out);
  }
  const server = spawn(impl.cmd, [`${w.id}-server`]);
  const doneServer = guard(server);
  const serverErr = new Response(server.stderr).text();
  const reader = server.stdout.getReader();
  try {
    const line = await readLine(reader);
    if (!line.startsWith("{")) throw new Error(`server did not report a port: ${await serverErr}`);
    const port = JSON.parse(line).port as number;
    const client = spawn(impl.cmd, [`${w.id}-client`, String(port), String(n)]);
    const doneClient = guard(client);
    const o = await client.output();
    doneClient();
    if (o.code !== 0) {
      try {
        server.kill("SIGKILL");
      } catch { /* gone */ }
      throw new Error(`client exit ${o.code}: ${new TextDecoder().decode(o.stderr).slice(-1500)}`);
    }
    const status = await server.status;
    if (status.code !== 0) throw new Error(`server exit ${status.code}: ${await serverErr}`);
    return lastJson(new TextDecoder().decode(o.stdout));
  } finally {
    reader.releaseLock();
    await server.stdout.cancel().catch(() => {});
    await serverErr.catch(() => "");
    doneServer();
  }
}

// ---- W8: start-up -------------------------------------------------------------------------

interface Startup {
  id: string;
  label: string;
  cmd: string[];
}
const startups: Startup[] = [
  {
    id: "deno-empty",
    label: "deno run, empty script",
    cmd: [deno, "run", "-A", join(bench, "startup_empty.ts")],
  },
  {
    id: "deno-ours",
    label: "deno run, import mod.ts + socket() + close()",
    cmd: [deno, "run", "-A", join(bench, "startup_ours.ts")],
  },
  { id: "python-empty", label: "python3, empty script", cmd: ["python3", "-c", "print('ok')"] },
  {
    id: "python-socket",
    label: "python3, import socket + socket() + close()",
    cmd: ["python3", "-c", "import socket; socket.socket().close(); print('ok')"],
  },
];

async function startupOnce(s: Startup): Promise<number> {
  const t0 = performance.now();
  const r = await run(s.cmd);
  const t = performance.now() - t0;
  if (r.code !== 0 || r.out.trim() !== "ok") throw new Error(`${s.id} failed: ${r.err}`);
  return t / 1000;
}

// ---- main ---------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function version(cmd: string[]): Promise<string> {
  try {
    const r = await run(cmd);
    return (r.out || r.err).trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

Deno.mkdirSync(build, { recursive: true });
{
  const r = await run(["cc", "-O2", "-o", join(build, "c_bench"), join(bench, "c", "bench.c")]);
  if (r.code !== 0) throw new Error(`cc failed:\n${r.err}`);
  const w10 = join(bench, "c", "w10_client.c");
  const c10 = await run(["cc", "-O2", "-o", join(build, "w10_client"), w10]);
  if (c10.code !== 0) throw new Error(`cc failed:\n${c10.err}`);
}
const impls = await implementations();
for (const s of skipped) console.error(`bench: skipped ${s}`);
console.error(
  `bench: ${rounds} round(s), scale ${scale}; implementations: ${
    impls.map((i) => i.id).join(", ")
  }`,
);

/** samples[workload][impl] = seconds */
const samples: Record<string, Record<string, number[]>> = {};
/** rssSamples[workload][impl] = peak RSS in bytes (W7) */
const rssSamples: Record<string, Record<string, number[]>> = {};
/** cpuSamples[workload][impl] = the server's CPU seconds (W10) */
const cpuSamples: Record<string, Record<string, number[]>> = {};
const failures: string[] = [];
const checks: { workload: string; impl: string; ok: boolean; detail: string }[] = [];
const startupSamples: Record<string, number[]> = {};
const wantStartup = runW8 && (!only || only.includes("ours"));

// warm the module cache so W8 does not time TypeScript compilation
if (wantStartup) { for (const s of startups) await startupOnce(s).catch(() => 0); }

const started = performance.now();
for (let round = 0; round < rounds; round++) {
  for (const w of workloads) {
    const n = scaled(w);
    const these = impls.filter((i) => i.workloads.includes(w.id));
    const k = these.length ? round % these.length : 0;
    for (const impl of [...these.slice(k), ...these.slice(0, k)]) {
      const key = `${w.id}/${impl.id}`;
      try {
        const m = await measure(impl, w, n);
        const expected = w.expected(n);
        const ok = m.checksum === expected && m.count === n;
        checks.push({
          workload: w.id,
          impl: impl.id,
          ok,
          detail: `checksum ${m.checksum} (expected ${expected}), count ${m.count}`,
        });
        if (!ok) {
          failures.push(`${key}: wrong checksum ${m.checksum}, expected ${expected}`);
          continue;
        }
        ((samples[w.id] ??= {})[impl.id] ??= []).push(m.seconds);
        if (m.rss !== undefined) ((rssSamples[w.id] ??= {})[impl.id] ??= []).push(m.rss);
        if (m.cpu !== undefined) ((cpuSamples[w.id] ??= {})[impl.id] ??= []).push(m.cpu);
        console.error(
          `round ${round + 1} ${key}: ${m.seconds.toFixed(3)} s${
            m.rss === undefined ? "" : `, peak RSS ${(m.rss / 2 ** 20).toFixed(1)} MiB`
          }`,
        );
      } catch (e) {
        checks.push({ workload: w.id, impl: impl.id, ok: false, detail: String(e) });
        failures.push(`${key}: ${e instanceof Error ? e.message : e}`);
        console.error(`round ${round + 1} ${key}: FAILED ${e}`);
      }
    }
  }
  if (wantStartup) {
    const reps = quick ? 1 : 4;
    for (let rep = 0; rep < reps; rep++) {
      for (const s of startups) {
        try {
          (startupSamples[s.id] ??= []).push(await startupOnce(s));
        } catch (e) {
          failures.push(`w8/${s.id}: ${e}`);
        }
      }
    }
    checks.push({
      workload: "w8",
      impl: "ours",
      ok: (startupSamples["deno-ours"]?.length ?? 0) > 0,
      detail: "start-up script printed ok",
    });
  }
}
const elapsed = (performance.now() - started) / 1000;

for (const c of checks) {
  console.log(`CHECK ${c.workload} ${c.impl} ${c.ok ? "ok" : "FAIL"} ${c.detail}`);
}

// ---- the report ---------------------------------------------------------------------------

const med = (w: string, i: string): number | undefined => {
  const xs = samples[w]?.[i];
  return xs && xs.length ? median(xs) : undefined;
};

function cell(w: Workload, impl: Impl): string {
  if (!impl.workloads.includes(w.id)) return "n/a";
  const t = med(w.id, impl.id);
  if (t === undefined) return "failed";
  if (w.throughput) return `${(scaled(w) / t / 1e9).toFixed(2)} GB/s`;
  const per = (t / scaled(w)) * 1e6;
  return `${(t * 1000).toFixed(0)} ms (${per.toFixed(2)} µs/op)`;
}

/** Speed of ours relative to `other`: other's time / our time (> 1: ours is faster). */
function ratio(w: string, other: string, mine = "ours"): number | undefined {
  if (w === "w10") [mine, other] = [W10_AS[mine] ?? mine, W10_AS[other] ?? other];
  const a = med(w, mine);
  const b = med(w, other);
  return a === undefined || b === undefined ? undefined : b / a;
}
const fmtRatio = (r: number | undefined) => (r === undefined ? "n/a" : `${r.toFixed(2)}x`);

interface Target {
  workload: string;
  /** Whose speed (default: ours on Deno, sync API). */
  mine?: string;
  against: string;
  /** speed: ours/other >= min. rss: ours's peak RSS <= max x the other's. */
  min?: number;
  maxRss?: number;
  /** The issue the target comes from. */
  group: string;
}
const targets: Target[] = [
  { group: "sync", workload: "w1", against: "c", min: 0.8 },
  { group: "sync", workload: "w1", against: "python", min: 1.5 },
  { group: "sync", workload: "w2", against: "c", min: 0.9 },
  { group: "sync", workload: "w2", against: "deno", min: 1.3 },
  { group: "sync", workload: "w3", against: "c", min: 0.95 },
  { group: "sync", workload: "w4", against: "c", min: 0.95 },
  { group: "sync", workload: "w5", against: "c", min: 0.85 },
  { group: "sync", workload: "w6", against: "c", min: 0.9 },
  { group: "sync", workload: "w9", against: "c", min: 2 },
  { group: "sync", workload: "w9", mine: "ours-gso", against: "c", min: 2 },
  { group: "async", workload: "w2", mine: "ours-async", against: "deno", min: 1.2 },
  { group: "async", workload: "w7", mine: "ours-async", against: "deno", min: 1.0 },
  { group: "async", workload: "w7", mine: "ours-async", against: "deno", maxRss: 1.2 },
  { group: "node", workload: "w1", mine: "ours-bun", against: "c", min: 0.75 },
  { group: "node", workload: "w2", mine: "ours-bun", against: "c", min: 0.75 },
  { group: "node", workload: "w1", mine: "ours-node", against: "c", min: 0.6 },
  { group: "node", workload: "w2", mine: "ours-node", against: "c", min: 0.6 },
  { group: "node", workload: "w2", mine: "ours-node-async", against: "node", min: 1.0 },
  // issue 18 item 1: the io_uring backend
  { group: "uring", workload: "w2", mine: "ours-async-uring", against: "deno", min: 1.3 },
  { group: "uring", workload: "w2", mine: "ours-async-uring", against: "c", min: 1.0 },
  { group: "uring", workload: "w7", mine: "ours-async-uring", against: "deno", min: 1.2 },
  { group: "uring", workload: "w7", mine: "ours-async-uring", against: "deno", maxRss: 1.1 },
  { group: "uring", workload: "w2", mine: "ours-node-async-uring", against: "node", min: 1.5 },
];
const implLabel = (id: string) => impls.find((i) => i.id === id)?.label ?? id;

const lines: string[] = [];
const p = (s = "") => lines.push(s);
const cpu = (await version(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]))
  .trim();
p("# Benchmark results");
p();
p("Generated by `deno task bench` (bench/run.ts); do not edit by hand. The machine is shared and");
p("noisy: read the ratios (all from the same run, implementations interleaved round-robin), not");
p("the absolute times.");
p();
p(`- Date: ${new Date().toISOString()}`);
p(`- Machine: ${cpu}, ${navigator.hardwareConcurrency} CPUs, ${Deno.build.os} ${Deno.build.arch}, kernel ${(await version(
  ["uname", "-r"],
))}`);
p(`- Deno ${Deno.version.deno}, ${await version(["node", "--version"]).then((v) =>
  `Node ${v}`
)}, ${await version(["python3", "--version"])}, ${await version(["cc", "--version"])} (-O2)`);
p(`- Rounds: ${rounds} (median of each), scale: ${scale}, wall time of the measured run: ${
  elapsed.toFixed(0)
} s`);
p(`- Counts: ${
  workloads.map((w) =>
    `${w.id.toUpperCase()} ${
      w.throughput ? `${(scaled(w) / GiB).toFixed(2)} GiB` : scaled(w).toLocaleString("en-US")
    }`
  ).join(", ")
}`);
p();
const onNodeIds = [
  "ours-node",
  "ours-bun",
  "ours-node-async",
  "ours-bun-async",
  "ours-node-async-uring",
  "ours-bun-async-uring",
];
const medianTable = (cols: Impl[], rows: Workload[]) => {
  p(`| Workload | ${cols.map((i) => i.label).join(" | ")} |`);
  p(`|---|${cols.map(() => "---").join("|")}|`);
  for (const w of rows) p(`| ${w.title} | ${cols.map((i) => cell(w, i)).join(" | ")} |`);
};
p("## Medians");
p();
medianTable(
  impls.filter((i) => ![...onNodeIds, ...w9Only, ...w10Only].includes(i.id)),
  workloads.filter((w) => w.id !== "w10"),
);
p();
const nodeCols = impls.filter((i) => ["c", "node", ...onNodeIds].includes(i.id));
if (nodeCols.some((i) => onNodeIds.includes(i.id))) {
  p("## Ours on Node and Bun (the npm build, npm/esm), beside C and Node's net");
  p();
  medianTable(
    nodeCols,
    workloads.filter((w) =>
      nodeCols.some((i) => i.workloads.includes(w.id) && onNodeIds.includes(i.id))
    ),
  );
  p();
}
const rssMed = (w: string, i: string): number | undefined => {
  const xs = rssSamples[w]?.[i];
  return xs && xs.length ? median(xs) : undefined;
};
const w7 = workloads.find((w) => w.id === "w7");
if (w7) {
  const cols = impls.filter((i) => i.workloads.includes("w7"));
  p(`## W7: ${W7_CONNS.toLocaleString("en-US")} concurrent echo connections x ${
    scaled(w7) / W7_CONNS
  } round trips of 64 B, one process (median)`);
  p();
  p("| Implementation | Total time | Round trips/s | Peak RSS (VmHWM) |");
  p("|---|---|---|---|");
  for (const i of cols) {
    const t = med("w7", i.id);
    const r = rssMed("w7", i.id);
    p(`| ${i.label} | ${t === undefined ? "failed" : `${(t * 1000).toFixed(0)} ms`} | ${
      t === undefined ? "-" : Math.round(scaled(w7) / t).toLocaleString("en-US")
    } | ${r === undefined ? "-" : `${(r / 2 ** 20).toFixed(1)} MiB`} |`);
  }
  p();
}
const w9 = workloads.find((w) => w.id === "w9");
if (w9) {
  const cols = impls.filter((i) => i.workloads.includes("w9"));
  p(`## W9: ${scaled(w9).toLocaleString("en-US")} UDP datagrams of 64 B in batches of 64 (median)`);
  p();
  p("C and Python make one call per datagram (`sendto` x 64, then `recvfrom` x 64); ours (Deno)");
  p("one `sendmmsg` and as few `recvmmsg` as it takes (mmsg.ts); GSO/GRO sends each batch with");
  p("one `sendto` (UDP_SEGMENT) and receives it coalesced (UDP_GRO).");
  p();
  p("| Implementation | Total time | Datagrams/s | Speed vs C's loop |");
  p("|---|---|---|---|");
  for (const i of cols) {
    const t = med("w9", i.id);
    p(`| ${i.label} | ${t === undefined ? "failed" : `${(t * 1000).toFixed(0)} ms`} | ${
      t === undefined ? "-" : Math.round(scaled(w9) / t).toLocaleString("en-US")
    } | ${fmtRatio(ratio("w9", "c", i.id))} |`);
  }
  p();
}
const w10 = workloads.find((w) => w.id === "w10");
if (w10) {
  const cols = impls.filter((i) => i.workloads.includes("w10"));
  p(`## W10: one port served from 1 and 2 Workers with SO_REUSEPORT, ${W10_CONNS} connections x ${
    scaled(w10) / W10_CONNS
  } round trips of 64 B (median)`);
  p();
  p("Each Worker of one Deno process listens on the same port (its own socket) and echoes; the");
  p("client is a C process (one thread, epoll). Scaling: 2 Workers' throughput over 1 Worker's.");
  p("The ratio table's W10 row compares the 2-Worker runs. See bench/NOTES.md for the load.");
  p();
  p("Server CPU: the CPU time of the server process (all its Workers) per round trip, which");
  p("depends less on the machine's other load than the throughput does.");
  p();
  p("| Implementation | Total time | Round trips/s | Scaling (2 vs 1 Worker) | Server CPU |");
  p("|---|---|---|---|---|");
  for (const i of cols) {
    const t = med("w10", i.id);
    const one = i.id.endsWith("-2") ? med("w10", i.id.replace(/-2$/, "-1")) : undefined;
    const cpu = cpuSamples.w10?.[i.id];
    p(`| ${i.label} | ${t === undefined ? "failed" : `${(t * 1000).toFixed(0)} ms`} | ${
      t === undefined ? "-" : Math.round(scaled(w10) / t).toLocaleString("en-US")
    } | ${one === undefined || t === undefined ? "" : fmtRatio(one / t)} | ${
      cpu?.length ? `${(median(cpu) / scaled(w10) * 1e6).toFixed(1)} µs/round trip` : "-"
    } |`);
  }
  p();
}
p("## Ratios (speed of ours on Deno relative to the other: > 1.00x means ours is faster)");
p();
const others = ["c", "python", "deno", "node"].filter((o) => impls.some((i) => i.id === o));
const mines = ["ours", "ours-async"].filter((o) => impls.some((i) => i.id === o));
// the async API against C and against the runtime's own net
const asyncCols = mines.length > 1
  ? ["c", "deno"].filter((o) => others.includes(o)).map((o) => ["ours-async", o])
  : [];
p(`| Workload | ${others.map((o) => `ours vs ${implLabel(o)}`).join(" | ")}${
  asyncCols.map(([m, o]) => ` | ${implLabel(m)} vs ${implLabel(o)}`).join("")
} |`);
p(`|---|${others.map(() => "---").join("|")}${asyncCols.map(() => "|---").join("")}|`);
for (const w of workloads) {
  p(`| ${w.title} | ${others.map((o) => fmtRatio(ratio(w.id, o))).join(" | ")}${
    asyncCols.map(([m, o]) => ` | ${fmtRatio(ratio(w.id, o, m))}`).join("")
  } |`);
}
p();
p("## W8 start-up (whole process wall time, median)");
p();
const su = (id: string) =>
  startupSamples[id]?.length ? median(startupSamples[id]) * 1000 : undefined;
if (wantStartup) {
  p("| Command | Median |");
  p("|---|---|");
  for (const s of startups) {
    const v = su(s.id);
    p(`| ${s.label} | ${v === undefined ? "failed" : v.toFixed(1) + " ms"} |`);
  }
} else p("Not run.");
p();
p("## Targets");
p();
p("| Target | Measured | |");
p("|---|---|---|");
const groupTitle: Record<string, string> = {
  sync: "ours on Deno, sync API",
  async: "ours on Deno, async API (asyncio.ts)",
  node: "ours on Node and Bun (issue 6)",
  uring: "ours async with the io_uring backend, SOCKET_REACTOR=uring (issue 18)",
};
let lastGroup = "";
for (const t of targets) {
  if (!workloads.some((w) => w.id === t.workload)) continue;
  const mine = t.mine ?? "ours";
  if (!impls.some((i) => i.id === mine)) continue;
  if (t.group !== lastGroup) {
    lastGroup = t.group;
    p(`| *${groupTitle[t.group]}* | | |`);
  }
  const who = t.mine ? `${implLabel(mine)} ` : "";
  const W = t.workload.toUpperCase();
  if (t.maxRss !== undefined) {
    const a = rssMed(t.workload, mine);
    const b = rssMed(t.workload, t.against);
    const r = a === undefined || b === undefined ? undefined : a / b;
    const verdict = r === undefined ? "not measured" : r <= t.maxRss ? "met" : "missed";
    p(`| ${W} peak RSS of ${who}<= ${t.maxRss}x ${implLabel(t.against)}'s | ${
      fmtRatio(r)
    } | ${verdict} |`);
  } else {
    const r = ratio(t.workload, t.against, mine);
    const verdict = r === undefined ? "not measured" : r >= t.min! ? "met" : "missed";
    p(`| ${W} ${who}>= ${t.min}x ${implLabel(t.against)} | ${fmtRatio(r)} | ${verdict} |`);
  }
}
if (wantStartup) {
  p("| *start-up* | | |");
  const a = su("deno-ours");
  const b = su("deno-empty");
  const added = a !== undefined && b !== undefined ? a - b : undefined;
  p(`| W8 adds <= 30 ms to an empty script | ${
    added === undefined ? "n/a" : `+${added.toFixed(1)} ms`
  } | ${added === undefined ? "not measured" : added <= 30 ? "met" : "missed"} |`);
}
p();
if (skipped.length) {
  p("Skipped: " + skipped.join("; ") + ".");
  p();
}
if (failures.length) {
  p("## Failures");
  p();
  for (const f of failures) p(`- ${f.split("\n")[0]}`);
  p();
}
const notes = join(bench, "NOTES.md");
if (exists(notes)) {
  p(Deno.readTextFileSync(notes).trim());
  p();
}
const report = lines.join("\n");
console.log(report);
if (outPath) {
  Deno.writeTextFileSync(outPath, report);
  console.error(`bench: wrote ${outPath}`);
  // The picture of the ratios, beside the report (bench/RESULTS.svg).
  const svgPath = outPath.replace(/\.md$/, "") + ".svg";
  Deno.writeTextFileSync(svgPath, chartFromReport(report));
  console.error(`bench: wrote ${svgPath}`);
}
if (jsonPath) {
  Deno.writeTextFileSync(
    jsonPath,
    JSON.stringify(
      { rounds, scale, samples, rssSamples, startupSamples, checks, failures },
      null,
      2,
    ),
  );
}
if (failures.length) Deno.exit(1);
