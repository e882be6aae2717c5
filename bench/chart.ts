/**
 * The benchmark's picture: the ratios table of a RESULTS.md (speed of ours against C,
 * Python, Deno's net and Node's net, per workload) drawn as an SVG bar chart. bench/run.ts
 * writes it beside the report it writes (bench/RESULTS.svg); run alone, this file redraws
 * it from a committed report:
 *
 * ```sh
 * deno run -A bench/chart.ts                      # bench/RESULTS.md -> bench/RESULTS.svg
 * deno run -A bench/chart.ts other.md other.svg
 * ```
 *
 * @module
 */

/** One workload's row of the ratios table: its title and one ratio (or null) per series. */
export interface RatioRow {
  /** The workload's title, e.g. "W1 socketpair 64 B send+recv, one thread". */
  readonly workload: string;
  /** Speed of ours relative to each series (> 1: ours is faster); null where not measured. */
  readonly values: readonly (number | null)[];
}

/** The ratios table of a report: the series' names (column headers) and the rows. */
export interface RatioTable {
  /** Column headers after "Workload", e.g. "ours vs C". */
  readonly series: readonly string[];
  /** One row per workload. */
  readonly rows: readonly RatioRow[];
}

/**
 * Reads the "## Ratios" table of a RESULTS.md (as bench/run.ts writes it).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseRatios } from "./chart.ts";
 * const md = "## Ratios (x)\n\n| Workload | ours vs C |\n|---|---|\n| W1 a | 0.77x |\n| W7 b | n/a |\n";
 * assert.deepStrictEqual(parseRatios(md).rows[0].values, [0.77]);
 * ```
 */
export function parseRatios(markdown: string): RatioTable {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.startsWith("## Ratios"));
  if (start < 0) throw new Error("no '## Ratios' section in the report");
  const cells = (l: string) => l.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
  let i = start + 1;
  while (i < lines.length && !lines[i].startsWith("|")) i++;
  const series = cells(lines[i]).slice(1);
  const rows: RatioRow[] = [];
  for (i += 2; i < lines.length && lines[i].startsWith("|"); i++) {
    const [workload, ...rest] = cells(lines[i]);
    rows.push({
      workload,
      values: rest.map((c) => (/^[\d.]+x$/.test(c) ? Number(c.slice(0, -1)) : null)),
    });
  }
  return { series, rows };
}

const COLORS = ["#3b6fb6", "#e08a2c", "#4a9a5b", "#b44b4b", "#7d5ba6", "#8c8c8c"];

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** Splits `text` at spaces into lines of at most `width` characters (where it can). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * Draws a ratio table as a horizontal grouped bar chart (SVG text): one group per
 * workload, one bar per measured series, a line at 1.00x (parity); `notes`, lines of text
 * under the chart.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { renderChart } from "./chart.ts";
 * const svg = renderChart({ series: ["ours vs C"], rows: [{ workload: "W1", values: [0.77] }] });
 * assert.ok(svg.startsWith("<svg") && svg.includes("0.77x"));
 * ```
 */
export function renderChart(
  table: RatioTable,
  title = "Speed of ours relative to others",
  notes: readonly string[] = [],
): string {
  const rows = table.rows.filter((r) => r.values.some((v) => v !== null));
  const max = Math.max(
    1.5,
    ...rows.flatMap((r) => r.values.filter((v): v is number => v !== null)),
  );
  const top = Math.ceil(max * 2) / 2;
  const width = 960, labelW = 330, plotW = width - labelW - 60, bar = 13, gap = 3, pad = 14;
  const legendH = 24 * Math.ceil(table.series.length / 3);
  const y0 = 40 + legendH;
  const x = (v: number) => labelW + (v / top) * plotW;
  const out: string[] = [];
  let y = y0;
  rows.forEach((r, ri) => {
    const measured = r.values.map((v, si) => [v, si] as const).filter(([v]) => v !== null);
    const label = wrap(r.workload, 48);
    const bars = measured.length * (bar + gap) - gap;
    // A group is as tall as its bars or its label, the bars centred in it.
    const h = Math.max(bars, label.length * 14);
    if (ri % 2 === 0) {
      out.push(
        `<rect x="0" y="${y - pad / 2}" width="${width}" height="${h + pad}" fill="#f4f6f8"/>`,
      );
    }
    const groupTop = y;
    y += (h - bars) / 2;
    out.push(
      `<text x="${labelW - 10}" y="${
        groupTop + h / 2 + 4 - (label.length - 1) * 7
      }" text-anchor="end">${
        label.map((l, li) => `<tspan x="${labelW - 10}" dy="${li ? 14 : 0}">${escape(l)}</tspan>`)
          .join("")
      }</text>`,
    );
    for (const [v, si] of measured) {
      const w = Math.max(1, x(v!) - labelW);
      out.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${
          COLORS[si % COLORS.length]
        }"><title>${escape(r.workload)}: ${escape(table.series[si])} ${
          v!.toFixed(2)
        }x</title></rect>`,
        `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + bar - 2}" class="v">${
          v!.toFixed(2)
        }x</text>`,
      );
      y += bar + gap;
    }
    y = groupTop + h + pad;
  });
  const notesY = y + 40;
  const height = y + 30 + 18 * notes.length;
  const grid: string[] = [];
  for (let t = 0; t <= top + 1e-9; t += 0.5) {
    if (t !== 1) {
      grid.push(`<line x1="${x(t)}" y1="${y0 - 6}" x2="${x(t)}" y2="${y}" stroke="#d0d4d8"/>`);
    }
    grid.push(
      `<text x="${x(t)}" y="${y + 16}" text-anchor="middle" class="v">${t.toFixed(1)}x</text>`,
    );
  }
  // Parity, drawn over the bars.
  const parity = `<line x1="${x(1)}" y1="${y0 - 6}" x2="${
    x(1)
  }" y2="${y}" stroke="#222" stroke-width="1.5" stroke-dasharray="4 3"/>`;
  const legend = table.series.map((s, i) => {
    const lx = 20 + (i % 3) * 310, ly = 34 + 24 * Math.floor(i / 3);
    return `<rect x="${lx}" y="${ly - 11}" width="14" height="14" fill="${
      COLORS[i % COLORS.length]
    }"/><text x="${lx + 20}" y="${ly}">${escape(s)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<style>.v { font-size: 11px; fill: #333 }</style>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="20" y="18" font-size="14" font-weight="bold">${
      escape(title)
    } (&gt; 1.00x: ours is faster; dashed line: parity)</text>`,
    ...legend,
    ...grid,
    ...out,
    parity,
    ...notes.map((n, i) => `<text x="20" y="${notesY + 18 * i}">${escape(n)}</text>`),
    `</svg>`,
    "",
  ].join("\n");
}

/**
 * The chart of a report's ratios, with the report's date in the title.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { chartFromReport } from "./chart.ts";
 * const md = "- Date: 2026-11-26T00:18:59.037Z\n## Ratios\n\n| Workload | ours vs C |\n|---|---|\n| W1 | 0.77x |\n";
 * assert.ok(chartFromReport(md).includes("2026-11-26"));
 * ```
 */
export function chartFromReport(markdown: string): string {
  const date = /^- Date: (\d{4}-\d\d-\d\d)/m.exec(markdown)?.[1];
  const scaling = parseScaling(markdown);
  return renderChart(
    parseRatios(markdown),
    `Speed of ours (Deno) relative to others${date ? `, bench run of ${date}` : ""}`,
    scaling.length === 0 ? [] : [
      `W10 throughput from 1 to 2 Workers (one port, SO_REUSEPORT): ${
        scaling.map(([who, r]) => `${who} ${r.toFixed(2)}x`).join(", ")
      }`,
    ],
  );
}

/**
 * The scalings of the W10 section of a report (bench/run.ts): [implementation, 2 Workers'
 * throughput over 1 Worker's], for each 2-Worker row that has one.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseScaling } from "./chart.ts";
 * const md = "## W10: x\n\n| Implementation | a | Scaling (2 vs 1) | CPU |\n|---|---|---|---|\n" +
 *   "| ours async, 1 Worker | 2 |  | 3x |\n| ours async, 2 Workers | 3 | 1.50x | 3x |\n";
 * assert.deepStrictEqual(parseScaling(md), [["ours async", 1.5]]);
 * ```
 */
export function parseScaling(markdown: string): [string, number][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.startsWith("## W10"));
  if (start < 0) return [];
  const out: [string, number][] = [];
  let column = -1;
  for (let i = start + 1; i < lines.length && !lines[i].startsWith("## "); i++) {
    if (!lines[i].startsWith("|")) continue;
    const cells = lines[i].split("|").map((c) => c.trim());
    if (column < 0) column = cells.findIndex((c) => c.startsWith("Scaling"));
    const m = /^([\d.]+)x$/.exec(cells[column] ?? "");
    if (m) out.push([cells[1].replace(/, 2 Workers$/, ""), Number(m[1])]);
  }
  return out;
}

if (import.meta.main) {
  const here = decodeURIComponent(new URL(".", import.meta.url).pathname);
  const input = Deno.args[0] ?? `${here}RESULTS.md`;
  const output = Deno.args[1] ?? input.replace(/\.md$/, "") + ".svg";
  Deno.writeTextFileSync(output, chartFromReport(Deno.readTextFileSync(input)));
  console.error(`chart: wrote ${output}`);
}
