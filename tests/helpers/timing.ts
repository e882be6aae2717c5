/**
 * Time limits that follow the machine's speed, and waits on events instead of sleeps.
 *
 * A test's limits are sized for a native run; an emulated run (scripts/run_aarch64.sh,
 * qemu-user, every child Deno ~20x slower to start) sets `SOCKET_TEST_SLOWDOWN` to the
 * factor its limits are multiplied by. Lower bounds need no factor: they are measured
 * from a moment the test controls, and a slow machine only makes intervals longer.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { execFileSync } from "node:child_process";

/** How many times slower than native this run is (`SOCKET_TEST_SLOWDOWN`, default 1). */
export const SLOWDOWN: number = (() => {
  let v = 1;
  try {
    v = Number(process.env.SOCKET_TEST_SLOWDOWN ?? "1");
  } catch {
    // a child run without env permission (Deno's --allow-env): native limits
  }
  return Number.isFinite(v) && v >= 1 ? v : 1;
})();

/** `ms` stretched by the run's slowdown: for upper limits and children's time limits. */
export function scaled(ms: number): number {
  return Math.round(ms * SLOWDOWN);
}

/**
 * Whether a TCP socket listens on `port` (IPv4 or IPv6), from the kernel's own tables
 * (/proc/net/tcp, /proc/net/tcp6; state 0A is LISTEN); on macOS, which has no /proc,
 * from `netstat`. Never by connecting: a one-connection server would take the probe.
 */
export function listening(port: number): boolean {
  if (process.platform === "darwin") return netstatListening(port);
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && `${f[1]} `.endsWith(hex) && f[3] === "0A") return true;
    }
  }
  return false;
}

/**
 * macOS's `netstat -an -p tcp` (tcp4, tcp6 and tcp46 sockets): a line whose local address
 * (field 4: `127.0.0.1.8080`, `::1.8080`, `*.8080`) ends with the port, in state LISTEN.
 */
function netstatListening(port: number): boolean {
  const text = execFileSync("netstat", ["-an", "-p", "tcp"], { encoding: "utf8" });
  return text.split("\n").some((line) => {
    const f = line.trim().split(/\s+/);
    return f[0].startsWith("tcp") && f[3]?.endsWith(`.${port}`) && f[5] === "LISTEN";
  });
}

/**
 * Resolves once something listens on `port`; rejects if `gone` settles first (the
 * server exited) or after `limitMs` (scaled). No fixed count of polls: a slow start
 * only makes the wait longer.
 */
export async function waitForListener(
  port: number,
  gone: Promise<unknown>,
  limitMs = 60_000,
): Promise<void> {
  let exited = false;
  gone.then(() => exited = true, () => exited = true);
  const deadline = performance.now() + scaled(limitMs);
  while (!listening(port)) {
    if (exited) throw new Error(`the server exited before listening on port ${port}`);
    if (performance.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
