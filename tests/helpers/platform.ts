/**
 * What the tests need to know of the platform they run on: Windows (where Winsock
 * differs from Linux as CPython shows there) and Wine (which lacks some of Windows).
 *
 * @module
 */
import { test as nodeTest } from "node:test";
import process from "node:process";
import { table } from "../../constants/mod.ts";

/** The tests run on Windows (the Windows build of the runtime; under Wine or not). */
export const WINDOWS: boolean = table.platform.startsWith("windows");

/** Set by scripts/run_windows.sh: Windows is Wine here. */
export const UNDER_WINE: boolean = (() => {
  try {
    return process.env.SOCKET_TEST_UNDER_WINE === "1";
  } catch {
    return false; // no --allow-env (a child run with narrow permissions)
  }
})();

/**
 * A `skip` option for `test()`: the reason on Windows, false elsewhere.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * import { skipOnWindows } from "./platform.ts";
 * test("AF_UNIX", { skip: skipOnWindows("no AF_UNIX under Wine") }, () => {});
 * ```
 */
export function skipOnWindows(reason: string): string | false {
  return WINDOWS ? `Windows: ${reason}` : false;
}

/** Why a test cannot run on Windows: Linux-only kernel features, or what Wine lacks. */
const NO_UNIX = "no AF_UNIX sockets (Wine answers WSAEAFNOSUPPORT; real Windows has them)";
const LINUX_ONLY = "a Linux-only kernel feature";
const NO_SENDMSG = "CPython has no sendmsg/recvmsg on Windows (no SCM_RIGHTS)";
const ORACLE_NUMBERS = "compares numbers with python3's, which under Wine is Linux's python3 " +
  "(Windows' errno and constant values differ; windows_test checks them by name)";

/**
 * The tests skipped on Windows, by name (a string is a prefix), each with its reason.
 * One list, so that what Windows does not run is seen in one place.
 */
const WINDOWS_SKIPS: [name: string | RegExp, reason: string][] = [
  // Whatever its file: what Wine or Windows lacks.
  ["AF_UNIX", NO_UNIX],
  [/\bunix\b/i, NO_UNIX],
  ["AF_NETLINK", LINUX_ONLY + " (netlink)"],
  ["AF_PACKET", LINUX_ONLY + " (packet sockets)"],
  ["AF_VSOCK, AF_QIPCRTR", LINUX_ONLY + " (families Windows lacks)"],
  ["send_fds / recv_fds", NO_SENDMSG],
  ["send_fds:", NO_SENDMSG],
  ["recv_fds:", NO_SENDMSG],
  // examples_test
  [
    "examples/async_echo_server.ts: the accept loop survives EMFILE",
    "the server's descriptor limit is set by prlimit, a Linux program",
  ],
  // errors_test
  ["OSError(errno, text) picks the PEP 3151 subclass", ORACLE_NUMBERS],
  ["errno names (Node's code) follow Python's", ORACLE_NUMBERS],
  ["every int constant of Python's socket module", ORACLE_NUMBERS],
  // socket_test
  [
    "cloexec: default not inheritable",
    "the child reads /proc/<pid>/fd (windows_test checks inheritance)",
  ],
  [
    "type masks SOCK_NONBLOCK and SOCK_CLOEXEC",
    "Linux's socket-type flags (Python on Windows has neither)",
  ],
  [
    "socketpair: AF_UNIX stream by default",
    NO_UNIX + "; the emulated socketpair is in windows_test",
  ],
  [
    "create_server: family, backlog, reuse_port",
    "no SO_REUSEPORT (create_server raises ValueError there, as here)",
  ],
  [
    "a closed socket never touches its old descriptor number",
    "needs the closed number reused at once; Winsock does not hand out handle values lowest-first",
  ],
  [
    "MSG_NOSIGNAL: sending to a closed peer",
    "no SIGPIPE; a closed peer is WSAECONNRESET/ABORTED (asyncio_test checks it)",
  ],
  // message_test (CPython has no sendmsg/recvmsg/CMSG on Windows)
  [/^(sendmsg gathers|SCM_RIGHTS|SCM_CREDENTIALS|IP_PKTINFO|MSG_CTRUNC)/, NO_SENDMSG],
  // fuzz_test
  [/^(send\/sendmsg of subarrays|recvmsg_into scatters|closeReceivedFds)/, NO_SENDMSG],
  ["FinalizationRegistry closes dropped sockets", "counts descriptors in /proc/self/fd, Linux's"],
  [
    "after close or detach the old number is never touched",
    "needs the closed number reused at once; Winsock does not hand out handle values lowest-first",
  ],
  // readiness_test
  [
    "timers keep firing while a same-process conversation",
    "counts round trips in a fixed time; under Wine socket calls are 5-15 times slower",
  ],
  // interfaces_test
  [
    "if_* give python3's results and errors",
    "compares the interfaces with Linux's python3 (Windows names them from GetIfTable2; windows_test checks them)",
  ],
  // reliability_test
  [
    "peer gone: BrokenPipeError",
    "no SIGPIPE; a closed peer is WSAECONNRESET/ABORTED (asyncio_test checks it)",
  ],
  [
    "connect to a black-holed address",
    "the child runs in a Linux network namespace (unshare), which a Windows process cannot start",
  ],
  ["EINTR during a timeout-mode", "POSIX signals (SIGUSR2); Windows has none"],
  ["PEP 475: a recv interrupted by signals", "POSIX signals; Windows has none"],
  [
    /^(full datagram buffer|listening socket with a full backlog)/,
    NO_UNIX + " (the test fills an AF_UNIX queue)",
  ],
  // timeout_test
  [
    "sendall: the timeout is the deadline of the whole call",
    "under Wine the small SO_SNDBUF does not hold: 8 MiB are sent before the timeout",
  ],
  ["10,000 concurrent loopback connections", "the child runs under prlimit, a Linux program"],
  [
    "soak: 10 s of mixed operations",
    "the child passes descriptors with send_fds (" + NO_SENDMSG + ")",
  ],
  // ffi_backend_test (the POSIX binding itself; windows_test covers the Windows layer)
  [
    /^(errno after a failed call: close\(-1\)|errno survives a second failing call|socketpair send\/recv move bytes|lseek takes and returns|cstring reads libc's static strings)/,
    "tests the POSIX libc binding (close(-1)'s EBADF, socketpair, lseek, gai_strerror's static strings)",
  ],
  // constants_test
  ["the errno table matches Python's errno module", ORACLE_NUMBERS],
  ["layouts agree with Python's ctypes", "compares with Linux's python3 ctypes layouts under Wine"],
  [
    /^(re-running the generator|the asm mode)/,
    "runs the generator with the host's C compiler, a Linux program (the darwin branch's test reproduces the Windows table)",
  ],
  // examples_test
  ["examples/netlink_routes.ts", LINUX_ONLY + " (netlink, in a namespace)"],
  ["examples/reuseport_server.ts", "no SO_REUSEPORT on Windows"],
  ["examples/reuseport_workers.ts", "no SO_REUSEPORT on Windows"],
  // workers_test
  [
    "Workers terminated with socket operations pending",
    "the Node and Bun Windows backends (ffi/node_windows.ts, bun_windows.ts) set no inWorker: their wait is unbounded in a Worker",
  ],
  ["examples/fd_passing.ts", NO_SENDMSG],
  ["examples/unix_datagram.ts", NO_UNIX],
  // bench_smoke_test, dns_test
  ["bench --quick", "the benchmark harness builds and runs C and python3 programs beside ours"],
  ["resolution beyond /etc/hosts", "the resolver runs in a Linux network namespace (unshare)"],
  // resolve_test
  [
    "every case gives python3's result or error",
    "compares the resolver with Linux's python3 (glibc); Winsock's resolver answers differently (windows_test checks numeric lookups)",
  ],
  [/^sethostname/, "Python on Windows has no sethostname; the test needs a Linux UTS namespace"],
  // input_checks_test, fuzz_test, helper_threads_test, repr_test, streams_test
  ["AF_VSOCK:", LINUX_ONLY + " (AF_VSOCK)"],
  ["AF_CAN and AF_ALG names", LINUX_ONLY + " (AF_CAN, AF_ALG)"],
  ["getters and proxies in addresses", NO_SENDMSG + " (the test sends with sendmsg)"],
  ["permission checks: an address is read once", NO_SENDMSG + " (the test sends with sendmsg)"],
  ["non-integers where descriptors go", NO_SENDMSG + " (SCM_RIGHTS) and " + NO_UNIX],
  ["fuzz: buffers resized, detached or shared", NO_UNIX],
  ["create_server's bind error prints", NO_UNIX],
  [
    "socket(..., fileno): a descriptor that is not a socket",
    "the python3 oracle runs on the Linux host, where the test's descriptors mean nothing",
  ],
  [
    "sendfile: offsets past 64 bits",
    "the python3 oracle runs on the Linux host, where the test's descriptors mean nothing",
  ],
  [
    "resolver calls blocked on a name server that does not answer",
    "needs a Linux mount and network namespace and glibc's resolv.conf",
  ],
  [
    "abort() stops a write the peer never reads",
    "under Wine the 8 MiB write settled before abort() (Wine's loopback took it; not investigated)",
  ],
];

/** The reason test `name` skips on this platform, or undefined. */
export function windowsSkip(name: string): string | undefined {
  if (!WINDOWS) return undefined;
  for (const [pattern, reason] of WINDOWS_SKIPS) {
    if (typeof pattern === "string" ? name.startsWith(pattern) : pattern.test(name)) {
      return `Windows${UNDER_WINE ? " (Wine)" : ""}: ${reason}`;
    }
  }
  return undefined;
}

/**
 * node:test's `test`, skipping on Windows the tests of {@link windowsSkip} with their
 * reason (printed by the runner). Elsewhere it is node:test's `test` itself.
 *
 * @example
 * ```ts
 * import { test } from "./platform.ts";
 * test("runs everywhere", () => {});
 * ```
 */
export const test: typeof nodeTest = WINDOWS ? windowsTest(windowsSkip) : nodeTest;

/**
 * For a file whose every test needs what Windows lacks: its `test`, which on Windows
 * skips each test with `reason` (printed by the runner); elsewhere node:test's `test`.
 *
 * @example
 * ```ts
 * import { testUnlessWindows } from "./platform.ts";
 * const test = testUnlessWindows("a Linux-only call");
 * test("runs on Linux", () => {});
 * ```
 */
export function testUnlessWindows(reason: string): typeof nodeTest {
  return WINDOWS ? windowsTest(() => `Windows${UNDER_WINE ? " (Wine)" : ""}: ${reason}`) : nodeTest;
}

function windowsTest(skipReason: (name: string) => string | undefined): typeof nodeTest {
  return ((name: string, a?: unknown, b?: unknown) => {
    const reason = skipReason(name);
    // deno-lint-ignore no-explicit-any
    const run = nodeTest as any;
    if (reason === undefined) return run(name, a, b);
    const fn = typeof a === "function" ? a : b;
    const options = typeof a === "object" && a !== null ? a : {};
    console.log(`skip on Windows: ${name}: ${reason}`);
    return run(name, { ...options, skip: reason }, fn);
  }) as typeof nodeTest;
}
