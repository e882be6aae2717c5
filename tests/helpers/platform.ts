/**
 * What the tests need to know of the platform they run on: Windows (where Winsock
 * differs from Linux as CPython shows there), Wine (which lacks some of Windows) and
 * macOS (which lacks Linux's own features: /proc, namespaces, netlink, ...).
 *
 * @module
 */
import { test as nodeTest } from "node:test";
import process from "node:process";
import { table } from "../../constants/mod.ts";

/** The tests run on Windows (the Windows build of the runtime; under Wine or not). */
export const WINDOWS: boolean = table.platform.startsWith("windows");

/** The tests run on macOS (`darwin_aarch64`, `darwin_x86_64`). */
export const DARWIN: boolean = table.platform.startsWith("darwin");

/** The tests run on Linux (glibc or musl). */
export const LINUX: boolean = table.platform.startsWith("linux");

/** The loopback interface's name: `lo` on Linux, `lo0` on macOS. */
export const LOOPBACK: string = DARWIN ? "lo0" : "lo";

/**
 * A directory listing this process's open descriptors: `/proc/self/fd` on Linux, `/dev/fd`
 * on macOS (fdescfs). Only the count is portable: macOS's entries are not symbolic links
 * to what the descriptor refers to.
 */
export const FD_DIR: string = DARWIN ? "/dev/fd" : "/proc/self/fd";

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

/** Why a test cannot run on macOS. */
const MAC_PROC = "reads /proc (Linux's; macOS has none)";
const MAC_NETNS = "needs a Linux network namespace (unshare); macOS has none";
const MAC_ABSTRACT = "binds abstract AF_UNIX names (a leading NUL byte), which are Linux's";
const MAC_LINUX_ONLY = "a Linux-only kernel feature, absent from Apple's headers (darwin_*.ts)";

/**
 * The tests skipped on macOS, by name (a string is a prefix), each with its reason. What is
 * macOS's own answer (errno values, `lo0`, SO_NOSIGPIPE, ...) is handled inside the tests;
 * this list is what macOS lacks or answers by design differently.
 */
const DARWIN_SKIPS: [name: string | RegExp, reason: string][] = [
  // address_test
  [
    "AF_UNIX: path, abstract name, autobind",
    MAC_ABSTRACT + "; autobind (bind('')) is Linux's",
  ],
  ["AF_UNIX: an abstract name may fill sun_path", MAC_ABSTRACT + " (sun_path is 104 bytes there)"],
  ["AF_NETLINK", MAC_LINUX_ONLY + " (netlink)"],
  ["AF_PACKET", MAC_LINUX_ONLY + " (packet sockets)"],
  ["AF_VSOCK, AF_QIPCRTR", MAC_LINUX_ONLY + " (AF_VSOCK, AF_QIPCRTR, AF_CAN, AF_TIPC, AF_ALG)"],
  ["AF_CAN and AF_ALG names", MAC_LINUX_ONLY + " (AF_CAN, AF_ALG)"],
  // async_lifetime_test, fuzz_test
  ["sock_sendto / sock_sendmsg: a buffer detached or shrunk", MAC_ABSTRACT],
  ["fuzz: buffers resized, detached or shared", MAC_ABSTRACT],
  // bench_smoke_test
  ["bench --quick", "the C baseline (bench/c/bench.c) and W9 call Linux's recvmmsg/sendmmsg"],
  // constants_test
  [
    /^(re-running the generator|the asm mode)/,
    "the darwin tables come from Zig's copy of Apple's SDK (scripts/gen_all_platforms.sh); " +
    "the Mac's own SDK and compiler write another header comment, maybe another SDK's values",
  ],
  // dns_test, helper_threads_test, reliability_test, resolve_test
  ["resolution beyond /etc/hosts", MAC_NETNS + " (and glibc's resolv.conf handling)"],
  ["resolver calls blocked on a name server", MAC_NETNS + " (and glibc's resolv.conf timeouts)"],
  ["connect to a black-holed address", MAC_NETNS + " (a route to lo in a private namespace)"],
  [/^sethostname/, "needs a Linux UTS namespace (unshare -u); macOS has none"],
  // examples_test
  ["examples/netlink_routes.ts", MAC_LINUX_ONLY + " (netlink, in a network namespace)"],
  ["examples/packet_counter.ts", MAC_LINUX_ONLY + " (AF_PACKET)"],
  [
    "examples/reuseport_server.ts",
    "macOS's SO_REUSEPORT does not spread connections across listeners (Linux's does)",
  ],
  [
    "examples/async_echo_server.ts: the accept loop survives EMFILE",
    "limits the server's descriptors with prlimit (util-linux) and reads /proc/<pid>/fd",
  ],
  // fuzz_test: descriptor counts and targets come from /proc/self/fd and fdinfo
  ["fuzz: every call returns or raises", MAC_PROC + ": the fuzzer's leak check names descriptors"],
  ["MSG_CTRUNC: a small ancbufsize", MAC_PROC + ": /proc/self/fd names the received descriptors"],
  ["after close or detach the old number", MAC_PROC + ": /proc/self/fdinfo"],
  ["closeReceivedFds closes the SCM_RIGHTS", MAC_PROC + ": /proc/self/fd"],
  ["FinalizationRegistry closes dropped sockets", MAC_PROC + ": counts /proc/self/fd"],
  ["10,000 open/connect/error/close cycles", MAC_PROC + ": counts /proc/self/fd"],
  // input_checks_test
  ["AF_VSOCK:", MAC_LINUX_ONLY + " (AF_VSOCK)"],
  // message_test
  ["SCM_RIGHTS: python3 sends us descriptors", MAC_PROC + ": reads the file through /proc/self/fd"],
  [
    "SCM_CREDENTIALS",
    MAC_LINUX_ONLY + " (SO_PASSCRED/SCM_CREDENTIALS; macOS has LOCAL_PEERCRED and SCM_CREDS)",
  ],
  // reliability_test
  [
    "full datagram buffer",
    "macOS fails an AF_UNIX datagram send to a full queue with ENOBUFS (no wait for room), " +
    "where Linux says EAGAIN",
  ],
  [
    "listening socket with a full backlog",
    "macOS refuses an AF_UNIX connect past the backlog with ECONNREFUSED, Linux with EAGAIN",
  ],
  [
    "10,000 concurrent loopback connections",
    MAC_PROC + " (/proc/self/limits) and raises the limit with prlimit (util-linux)",
  ],
  ["soak:", MAC_PROC + ": the descriptor count and VmRSS"],
  // socket_test
  ["cloexec: default not inheritable", MAC_PROC + ": the child reads /proc/<pid>/fd"],
  [
    "type masks SOCK_NONBLOCK and SOCK_CLOEXEC",
    "Linux's socket-type flags (macOS has neither; Python there neither)",
  ],
  // timeout_test
  [
    "connect honours the timeout (SYN dropped by a full accept queue)",
    "a black hole made of Linux's accept queue (listen(0) holds one connection, later SYNs " +
    "are dropped); XNU's listen(0) admits none and newer XNU answers a full queue with SYN cookies",
  ],
  [
    "PEP 475: a recv interrupted by signals",
    "the child binds glibc's sigaction and __errno_location, with Linux's struct sigaction " +
    "and signal numbers",
  ],
];

/**
 * The reason test `name` skips on platform `platform` (a constants table id such as
 * `darwin_aarch64`), labelled with the platform, or undefined. A pure function of its
 * arguments, so that the macOS list can be checked on Linux (tests/platform_skips_test.ts).
 *
 * @example
 * ```ts
 * import { platformSkip } from "./platform.ts";
 * console.log(platformSkip("darwin_aarch64", "AF_NETLINK: bind")); // "macOS: ..."
 * ```
 */
export function platformSkip(platform: string, name: string): string | undefined {
  const windows = platform.startsWith("windows");
  const skips = windows ? WINDOWS_SKIPS : platform.startsWith("darwin") ? DARWIN_SKIPS : [];
  for (const [pattern, reason] of skips) {
    if (typeof pattern === "string" ? name.startsWith(pattern) : pattern.test(name)) {
      return `${labelOf(platform)}: ${reason}`;
    }
  }
  return undefined;
}

/** The platform's name in skip reasons: "Windows (Wine)", "macOS", ... */
function labelOf(platform: string): string {
  if (platform.startsWith("windows")) return `Windows${UNDER_WINE ? " (Wine)" : ""}`;
  if (platform.startsWith("darwin")) return "macOS";
  return platform;
}

/** The patterns of macOS's skip list (for tests/platform_skips_test.ts). */
export const DARWIN_SKIP_PATTERNS: readonly (string | RegExp)[] = DARWIN_SKIPS.map(([p]) => p);

/** The reason test `name` skips on this platform if it is Windows, or undefined. */
export function windowsSkip(name: string): string | undefined {
  return WINDOWS ? platformSkip(table.platform, name) : undefined;
}

/**
 * node:test's `test`, skipping on Windows and macOS the tests their lists name (see
 * {@link platformSkip}), with the reason (printed by the runner). On Linux it is
 * node:test's `test` itself.
 *
 * @example
 * ```ts
 * import { test } from "./platform.ts";
 * test("runs everywhere", () => {});
 * ```
 */
export const test: typeof nodeTest = WINDOWS || DARWIN
  ? skippingTest((name) => platformSkip(table.platform, name))
  : nodeTest;

/**
 * For a file whose every test needs what Windows lacks: its `test`, which on Windows
 * skips each test with `reason` (printed by the runner); elsewhere this module's `test`
 * (which on macOS skips what macOS's list names).
 *
 * @example
 * ```ts
 * import { testUnlessWindows } from "./platform.ts";
 * const test = testUnlessWindows("a Linux-only call");
 * test("runs on Linux", () => {});
 * ```
 */
export function testUnlessWindows(reason: string): typeof nodeTest {
  return WINDOWS ? skippingTest(() => `${labelOf(table.platform)}: ${reason}`) : test;
}

/**
 * For a file whose every test needs Linux: its `test`, which elsewhere (Windows, macOS)
 * skips each test with `reason` (printed by the runner); on Linux node:test's `test`.
 *
 * @example
 * ```ts
 * import { testLinuxOnly } from "./platform.ts";
 * const test = testLinuxOnly("recvmmsg is Linux's");
 * test("runs on Linux only", () => {});
 * ```
 */
export function testLinuxOnly(reason: string): typeof nodeTest {
  return LINUX ? nodeTest : skippingTest(() => `${labelOf(table.platform)}: ${reason}`);
}

/**
 * A `skip` option for `test()`: false on Linux, elsewhere `reason` labelled with the
 * platform. For a test that needs Linux, wherever its file is run.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * import { skipUnlessLinux } from "./platform.ts";
 * test("netlink", { skip: skipUnlessLinux("netlink is Linux's") }, () => {});
 * ```
 */
export function skipUnlessLinux(reason: string): string | false {
  return LINUX ? false : `${labelOf(table.platform)}: ${reason}`;
}

/** node:test's `test`, skipping (with the printed reason) each test `skipReason` names. */
function skippingTest(skipReason: (name: string) => string | undefined): typeof nodeTest {
  const label = labelOf(table.platform).replace(/ \(Wine\)$/, "");
  return ((name: string, a?: unknown, b?: unknown) => {
    const reason = skipReason(name);
    // deno-lint-ignore no-explicit-any
    const run = nodeTest as any;
    if (reason === undefined) return run(name, a, b);
    const fn = typeof a === "function" ? a : b;
    const options = typeof a === "object" && a !== null ? a : {};
    console.log(`skip on ${label}: ${name}: ${reason}`);
    return run(name, { ...options, skip: reason }, fn);
  }) as typeof nodeTest;
}
