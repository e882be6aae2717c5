/**
 * The libc functions this module calls, as one declarative, runtime-neutral table.
 *
 * Each entry gives the C parameter and result types in the vocabulary shared by
 * Deno's FFI, bun:ffi and koffi (`i32`, `u32`, `usize`, `isize`, `buffer`, `void`).
 * A `buffer` is a pointer to JS memory (an ArrayBufferView, or null); a raw
 * C pointer returned by libc (an addrinfo list, a static string) travels as a
 * `usize` address and is read through the backend's memory functions.
 *
 * Byte counts returned by read/write-like calls are declared `i32`: Linux never
 * moves more than 0x7ffff000 bytes in one call (MAX_RW_COUNT) and the socket
 * layer caps every count at {@link MAX_IO}, so the `ssize_t` result always fits.
 * That keeps the hot paths on Deno's fast-call path with plain numbers.
 *
 * Entries marked `nonblocking: true` run on a helper thread and return Promises
 * (Deno's `nonblocking` symbols; koffi's `.async`; a Worker under Bun). Those threads
 * form a bounded pool shared with other work (libuv's under Node, 8 Workers under Bun):
 * a call that blocks indefinitely (the reactor's wait) runs instead on a thread of its own
 * ({@link Backend.dedicated}).
 *
 * @module
 */

/** The largest byte count passed to one read/write-like call (Linux MAX_RW_COUNT). */
export const MAX_IO = 0x7ffff000;

/** A C type as named by the FFI table. */
export type NativeType = "i32" | "u32" | "i64" | "usize" | "isize" | "buffer" | "void";

/** One C function: its parameters and result, and optionally a different C name. */
export interface SymbolDef {
  /** The C symbol, when it differs from the table key. */
  readonly name?: string;
  /** Parameter types, in order. */
  readonly parameters: readonly NativeType[];
  /** Result type. */
  readonly result: NativeType;
  /** Run off the calling thread and return a Promise. */
  readonly nonblocking?: boolean;
}

/** The libc symbol table. Each parameter is commented with its C declaration. */
export const symbols = {
  // int socket(int domain, int type, int protocol)
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int socketpair(int domain, int type, int protocol, int sv[2])
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  // int bind(int fd, const struct sockaddr *addr, socklen_t len)
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  // int listen(int fd, int backlog)
  listen: { parameters: ["i32", "i32"], result: "i32" },
  // int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  // int accept(int fd, struct sockaddr *addr, socklen_t *len)  (macOS: no accept4)
  accept: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int connect(int fd, const struct sockaddr *addr, socklen_t len)
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  // ssize_t send(int fd, const void *buf, size_t len, int flags)
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  // ssize_t sendto(int fd, const void *buf, size_t len, int flags,
  //                const struct sockaddr *addr, socklen_t addrlen)
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
  // ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  // ssize_t recv(int fd, void *buf, size_t len, int flags)
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  // ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
  //                  struct sockaddr *addr, socklen_t *addrlen)
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "i32",
  },
  // ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  // int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *t)
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "buffer"], result: "i32" },
  // int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  // int shutdown(int fd, int how)
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  // int close(int fd)
  close: { parameters: ["i32"], result: "i32" },
  // int dup(int fd)
  dup: { parameters: ["i32"], result: "i32" },
  // int fcntl(int fd, int cmd, int arg)  (variadic in C; an int third argument)
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  // int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  // int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
  poll: { parameters: ["buffer", "usize", "i32"], result: "i32" },
  // the same, off the calling thread (the Windows reactor's wait: WSAPoll there)
  poll_async: {
    name: "poll",
    parameters: ["buffer", "usize", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // ssize_t read(int fd, void *buf, size_t n)
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  // ssize_t write(int fd, const void *buf, size_t n)
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  // int open(const char *path, int flags, mode_t mode)  (variadic in C)
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // off_t lseek(int fd, off_t offset, int whence)
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  // ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
  sendfile: { parameters: ["i32", "i32", "buffer", "usize"], result: "i32" },

  // int getaddrinfo(const char *node, const char *service,
  //                 const struct addrinfo *hints, struct addrinfo **res)
  getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "i32" },
  getaddrinfo_async: {
    name: "getaddrinfo",
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // void freeaddrinfo(struct addrinfo *res)
  freeaddrinfo: { parameters: ["usize"], result: "void" },
  // const char *gai_strerror(int code)
  gai_strerror: { parameters: ["i32"], result: "usize" },
  // int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
  //                 char *serv, socklen_t servlen, int flags)
  getnameinfo: {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
  },
  getnameinfo_async: {
    name: "getnameinfo",
    parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
  //                      size_t buflen, struct hostent **result, int *h_errnop)
  gethostbyname2_r: {
    parameters: ["buffer", "i32", "buffer", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
  },
  gethostbyname2_r_async: {
    name: "gethostbyname2_r",
    parameters: ["buffer", "i32", "buffer", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
  //                     char *buf, size_t buflen, struct hostent **result, int *h_errnop)
  gethostbyaddr_r: {
    parameters: ["buffer", "u32", "i32", "buffer", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
  },
  gethostbyaddr_r_async: {
    name: "gethostbyaddr_r",
    parameters: ["buffer", "u32", "i32", "buffer", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  // int getservbyname_r(const char *name, const char *proto, struct servent *ret,
  //                     char *buf, size_t buflen, struct servent **result)
  getservbyname_r: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // int getservbyport_r(int port, const char *proto, struct servent *ret,
  //                     char *buf, size_t buflen, struct servent **result)
  getservbyport_r: {
    parameters: ["i32", "buffer", "buffer", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // int getprotobyname_r(const char *name, struct protoent *ret, char *buf, size_t buflen,
  //                      struct protoent **result)
  getprotobyname_r: {
    parameters: ["buffer", "buffer", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // The non-reentrant forms, for macOS, which has no _r ones (libinfo keeps their results
  // per thread) and for musl's getprotobyname (a static table).
  // struct hostent *gethostbyname2(const char *name, int af)
  gethostbyname2: { parameters: ["buffer", "i32"], result: "usize" },
  // struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
  gethostbyaddr: { parameters: ["buffer", "u32", "i32"], result: "usize" },
  // struct servent *getservbyname(const char *name, const char *proto)
  getservbyname: { parameters: ["buffer", "buffer"], result: "usize" },
  // struct servent *getservbyport(int port, const char *proto)
  getservbyport: { parameters: ["i32", "buffer"], result: "usize" },
  // struct protoent *getprotobyname(const char *name)
  getprotobyname: { parameters: ["buffer"], result: "usize" },
  // const char *hstrerror(int err)
  hstrerror: { parameters: ["i32"], result: "usize" },
  // void *dlsym(void *handle, const char *symbol)  (macOS only: the address of h_errno)
  dlsym: { parameters: ["isize", "buffer"], result: "usize" },
  // int gethostname(char *name, size_t len)
  gethostname: { parameters: ["buffer", "usize"], result: "i32" },
  // int sethostname(const char *name, size_t len)
  sethostname: { parameters: ["buffer", "usize"], result: "i32" },
  // struct if_nameindex *if_nameindex(void)
  if_nameindex: { parameters: [], result: "usize" },
  // void if_freenameindex(struct if_nameindex *ptr)
  if_freenameindex: { parameters: ["usize"], result: "void" },
  // unsigned if_nametoindex(const char *name)
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
  // char *if_indextoname(unsigned index, char *name)
  if_indextoname: { parameters: ["u32", "buffer"], result: "usize" },
  // int inet_aton(const char *cp, struct in_addr *inp)
  inet_aton: { parameters: ["buffer", "buffer"], result: "i32" },
  // int inet_pton(int af, const char *src, void *dst)
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "usize" },
  // int strerror_r(int errnum, char *buf, size_t n)  (the XSI form; glibc: __xpg_strerror_r)
  strerror_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  // int *__errno_location(void)  (macOS: __error)
  errno_location: { name: "__errno_location", parameters: [], result: "usize" },

  // int epoll_create1(int flags)
  epoll_create1: { parameters: ["i32"], result: "i32" },
  // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms)
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  epoll_wait_async: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // int eventfd(unsigned initval, int flags)
  eventfd: { parameters: ["u32", "i32"], result: "i32" },

  // io_uring (Linux 5.1+; reactor/uring.ts): glibc has no wrappers, so syscall(2) is bound
  // once per call with that call's types (the number as a full 64-bit value; results are
  // small: a descriptor or a count, -1 with errno on failure).
  // long syscall(SYS_io_uring_setup, unsigned entries, struct io_uring_params *p)
  io_uring_setup: { name: "syscall", parameters: ["i64", "u32", "buffer"], result: "i32" },
  // long syscall(SYS_io_uring_enter, int fd, unsigned to_submit, unsigned min_complete,
  //              unsigned flags, const sigset_t *sig, size_t sigsz)
  io_uring_enter: {
    name: "syscall",
    parameters: ["i64", "i32", "u32", "u32", "u32", "usize", "usize"],
    result: "i32",
  },
  // long syscall(SYS_io_uring_register, int fd, unsigned opcode, void *arg, unsigned nr)
  io_uring_register: {
    name: "syscall",
    parameters: ["i64", "i32", "u32", "buffer", "u32"],
    result: "i32",
  },
  // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
  mmap: { parameters: ["usize", "usize", "i32", "i32", "i32", "i64"], result: "usize" },
  // int munmap(void *addr, size_t len)
  munmap: { parameters: ["usize", "usize"], result: "i32" },

  // int kqueue(void)  (macOS, the BSDs)
  kqueue: { parameters: [], result: "i32" },
  // int kevent(int kq, const struct kevent *changes, int nchanges, struct kevent *events,
  //            int nevents, const struct timespec *timeout)
  kevent: { parameters: ["i32", "buffer", "i32", "buffer", "i32", "buffer"], result: "i32" },
  kevent_async: {
    name: "kevent",
    parameters: ["i32", "buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
    nonblocking: true,
  },
} as const satisfies Record<string, SymbolDef>;

/**
 * Whether the C library of `os` (`Deno.build.os` / `process.platform` spelling:
 * "linux", "darwin") with flavour `libc` ("gnu", "musl", or "" off Linux) exports
 * table entry `key` (checked against the libraries' exported symbols): macOS lacks the
 * Linux-only calls and the glibc `_r` resolvers (and its `sendfile` has another
 * signature); musl lacks `getprotobyname_r`. Every backend leaves these out of its
 * binding, where loading them would fail; they are `undefined` in the bound library.
 */
export function isAvailable(key: string, os: string, libc: string): boolean {
  if (os === "darwin") {
    return !/^(epoll_|eventfd$|io_uring_|accept4$|sendfile$|(recv|send)mmsg$|gethostby(name2|addr)_r|get(serv|proto)by.*_r)/
      .test(key);
  }
  if (/^kqueue$|^kevent|^dlsym$/.test(key)) return false; // Linux
  if (/^(gethostbyname2|gethostbyaddr|getservbyname|getservbyport)$/.test(key)) return false;
  if (key === "getprotobyname") return libc === "musl";
  if (libc === "musl") return key !== "getprotobyname_r";
  return true;
}

/**
 * The address of the C library's `h_errno` where the non-reentrant `gethostbyname2` and
 * `gethostbyaddr` leave their error (macOS), or 0n where the `_r` calls return it through
 * their `h_errnop` argument instead (Linux). macOS's <netdb.h> (Apple's SDK, Libinfo)
 * declares a plain `extern int h_errno;`: no function such as glibc's
 * `__h_errno_location`, but a data symbol, defined in Libinfo's dns.subproj/herror.c and
 * set by lookup.subproj/libinfo.c's gethostbyname2/gethostbyaddr (`h_errno = status;`),
 * whose address `dlsym(RTLD_DEFAULT, "h_errno")` gives (RTLD_DEFAULT is `(void *)-2` in
 * Apple's <dlfcn.h>). CPython there reads the same variable.
 */
export function hErrnoAddress(libc: Pick<Libc, "dlsym">, os: string): bigint {
  if (os !== "darwin" || typeof libc.dlsym !== "function") return 0n;
  return BigInt(libc.dlsym(DARWIN_RTLD_DEFAULT, H_ERRNO_NAME));
}

/** `RTLD_DEFAULT` of Apple's <dlfcn.h>: search every image loaded in the process. */
const DARWIN_RTLD_DEFAULT = -2;
/** "h_errno", NUL-terminated. */
const H_ERRNO_NAME = new Uint8Array([...Array.from("h_errno", (c) => c.charCodeAt(0)), 0]);

/**
 * Apple's arm64 ABI passes every variadic argument on the stack, never in a register,
 * while an FFI call with a fixed signature puts a third argument in x2, where
 * `fcntl(fd, cmd, ...)` and `open(path, flags, ...)` do not look. There the two are
 * bound with six dummy arguments filling x2-x7, so that the real one takes the first
 * stack slot, where their va_arg reads it (each variadic argument has an 8-byte slot).
 * x86_64 macOS passes variadic arguments like fixed ones. (Designed from the ABI,
 * untested: no Mac.)
 */
export function variadicOnStack(os: string, arch: string): boolean {
  return os === "darwin" && arch === "aarch64";
}

const REGISTER_PAD = ["i64", "i64", "i64", "i64", "i64", "i64"] as const;

/** The binding of `fcntl`/`open` under {@link variadicOnStack}: two fixed, six pads, one i64. */
export function stackVariadicDef(key: string, def: SymbolDef): SymbolDef {
  if (key !== "fcntl" && key !== "open") return def;
  const [first, second] = def.parameters;
  return { ...def, parameters: [first, second, ...REGISTER_PAD, "i64"] };
}

/** `fcntl` and `open` with the table's signatures over their padded bindings. */
export function stackVariadicCalls(raw: Libc): Pick<Libc, "fcntl" | "open"> {
  const padded = raw as unknown as Record<"fcntl" | "open", (...args: unknown[]) => number>;
  return {
    fcntl: (fd, cmd, arg) => padded.fcntl(fd, cmd, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(arg)),
    open: (path, flags, mode) => padded.open(path, flags, 0n, 0n, 0n, 0n, 0n, 0n, BigInt(mode)),
  };
}

/**
 * macOS's symbols for the UNIX-conformant or 64-bit-inode forms of calls whose plain
 * name is an old one: `select` (if ever bound) must be `select$DARWIN_EXTSN`, and on
 * x86_64 the stat family the `$INODE64` ones, whose `struct stat` the darwin_x86_64
 * table describes (arm64 has only those, under the plain names).
 */
const DARWIN_NAMES: Readonly<Record<string, string>> = { select: "select$DARWIN_EXTSN" };
const DARWIN_X86_64_NAMES: Readonly<Record<string, string>> = {
  stat: "stat$INODE64",
  fstat: "fstat$INODE64",
  lstat: "lstat$INODE64",
};

/**
 * The C symbol of table entry `key` on `os` with C library flavour `libc` (see
 * isAvailable) and architecture `arch` ("x86_64", "aarch64").
 */
export function cSymbol(
  key: string,
  def: SymbolDef,
  os: string,
  libc: string,
  arch = "",
): string {
  if (key === "errno_location" && os === "darwin") return "__error";
  if (os === "darwin") {
    const name = def.name ?? key;
    const renamed = DARWIN_NAMES[name] ?? (arch === "x86_64" ? DARWIN_X86_64_NAMES[name] : "");
    if (renamed) return renamed;
  }
  if (key === "strerror_r" && libc === "gnu") return "__xpg_strerror_r";
  return def.name ?? key;
}

/** The table's type. */
export type Symbols = typeof symbols;

/** A `buffer` argument: any view of JS memory, or null for a NULL pointer. */
export type BufferArg = ArrayBufferView | null;

type ParamTs<T> = T extends "buffer" ? BufferArg
  : T extends "usize" | "isize" | "i64" ? number | bigint
  : number;
type ResultTs<T> = T extends "void" ? void
  : T extends "usize" | "isize" | "i64" ? number | bigint
  : number;
type ParamsTs<P> = { -readonly [I in keyof P]: ParamTs<P[I]> };
type FnTs<S> = S extends { parameters: infer P; result: infer R; nonblocking: true }
  ? (...args: ParamsTs<P> & unknown[]) => Promise<ResultTs<R>>
  : S extends { parameters: infer P; result: infer R }
    ? (...args: ParamsTs<P> & unknown[]) => ResultTs<R>
  : never;

/** The bound library: one callable per table entry, typed from the table itself. */
export type Libc = { readonly [K in keyof Symbols]: FnTs<Symbols[K]> };

/** The keys of the table's `nonblocking` entries. */
export type NonblockingKey = {
  [K in keyof Symbols]: Symbols[K] extends { nonblocking: true } ? K : never;
}[keyof Symbols];

/**
 * What every runtime backend (Deno, Node via koffi, Bun) provides. Nothing above
 * `ffi/` sees anything else of the runtime.
 */
export interface Backend {
  /** The platform id used to pick the generated constants, e.g. `linux_x86_64_gnu`. */
  readonly platformId: string;
  /** The bound libc functions. */
  readonly libc: Libc;
  /** The calling thread's errno, read right after a failed call. */
  errno(): number;
  /** Sets the calling thread's errno (to clear it before calls that signal errors through it). */
  setErrno(value: number): void;
  /**
   * An ArrayBuffer over `length` bytes of C memory at `address` (no copy), for memory the
   * module maps and owns for its lifetime (reactor/uring.ts's rings); absent where the
   * runtime cannot make one.
   */
  view?(address: number | bigint, length: number): ArrayBuffer;
  /** Copies `length` bytes at C address `address` into a new Uint8Array. */
  peek(address: number | bigint, length: number): Uint8Array;
  /**
   * Copies `length` bytes at C address `address` into `out[0, length)`: peek into a reused
   * buffer, allocating no backing store. RangeError (before any copy) when `length` is not
   * an integer in [0, out.length].
   */
  peekInto(address: number | bigint, out: Uint8Array, length: number): void;
  /** Reads the NUL-terminated string at C address `address` (UTF-8). */
  cstring(address: number | bigint): string;
  /** Reads a pointer-sized value at `address + offset`, as a bigint address (0n for NULL). */
  readPointer(address: number | bigint, offset: number): bigint;
  /** The C address of the first byte of a view of JS memory (valid while the view lives). */
  addressOf(view: ArrayBufferView): bigint;
  /**
   * Nonblocking entry `key` run on a helper thread of its own, one call at a time: for a
   * call that may block indefinitely, which must neither queue behind other calls nor hold
   * a thread that they (or the runtime's own work) need. `wake` must make a call in flight
   * return soon: it is called when the process exits with a call in flight, so that the
   * thread cannot hold the exit up. Each call of `dedicated` makes a new thread.
   */
  dedicated<K extends NonblockingKey>(key: K, wake: () => void): Libc[K];
  /**
   * Whether this code runs in a Worker (a Deno or Bun Worker, a Node or Bun `worker_threads`
   * Worker) rather than on the main thread. Absent: the main thread.
   */
  readonly inWorker?: boolean;
}

/**
 * The check every backend's {@link Backend.peekInto} makes before its copy: `length` must
 * be an integer in [0, out.length].
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkPeekLength } from "./symbols.ts";
 * checkPeekLength(new Uint8Array(4), 4);
 * assert.throws(() => checkPeekLength(new Uint8Array(4), 5), RangeError);
 * ```
 */
export function checkPeekLength(out: Uint8Array, length: number): void {
  if (!(length >= 0 && length <= out.length && Number.isInteger(length))) {
    throw new RangeError(`socket: cannot copy ${length} bytes into a buffer of ${out.length}`);
  }
}

/**
 * {@link Backend.peek} and {@link Backend.peekInto} over libc's `memcpy` bound with a
 * JS view as its destination and an address as its source (koffi, bun:ffi): one call per
 * copy, no external ArrayBuffer. `address` checks an address (RangeError for NULL) and
 * converts it for `memcpy`.
 *
 * @example
 * ```ts ignore
 * const { peek, peekInto } = memcpyReaders(memcpy, (a) => Number(a));
 * ```
 */
export function memcpyReaders<A>(
  memcpy: (out: Uint8Array, src: A, n: number) => void,
  address: (value: number | bigint) => A,
): Pick<Backend, "peek" | "peekInto"> {
  return {
    peek(addr, length) {
      const out = new Uint8Array(length);
      if (out.length !== 0) memcpy(out, address(addr), out.length);
      return out;
    },
    peekInto(addr, out, length) {
      checkPeekLength(out, length);
      if (length !== 0) memcpy(out, address(addr), length);
    },
  };
}
