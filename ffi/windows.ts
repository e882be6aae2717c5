/**
 * The Windows C layer: the POSIX-shaped {@link Libc} the rest of the module calls,
 * built over ws2_32 (Winsock 2), kernel32 and iphlpapi, independent of the runtime.
 * Each runtime backend hands {@link windowsLibc} a binder (Deno.dlopen, koffi,
 * bun:ffi); everything Windows-specific lives here, so that above `ffi/` only the
 * constants table (Python's values on Windows) and a few documented branches differ.
 *
 * What is mapped, and why:
 * - A SOCKET is a pointer-sized handle; its value fits 32 bits (Windows keeps handle
 *   values below 2^24 for 32/64-bit interop), so it travels as a number, like a
 *   descriptor, and INVALID_SOCKET becomes -1.
 * - errno: after a failed call the wrapper stores `WSAGetLastError()` (Python's errno
 *   on Windows for socket errors: `errno.ECONNREFUSED == 10061`) in a cell whose
 *   address `errno_location()` returns, so the backends read it as they read errno.
 * - `close` is `closesocket`; `fcntl` is emulated for the commands the socket layer
 *   uses ({@link WINDOWS_SYS}: F_GETFL/F_SETFL with O_NONBLOCK through
 *   `ioctlsocket(FIONBIO)`, whose state Windows cannot report and is remembered here;
 *   F_GETFD/F_SETFD with FD_CLOEXEC through the handle's inheritance flag;
 *   F_DUPFD_CLOEXEC through `WSADuplicateSocketW` + `WSASocketW`, as CPython's dup).
 * - `socket` is `WSASocketW(..., WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT)` as in
 *   CPython; `accept4` is `accept` plus the flags; `poll` is `WSAPoll`.
 * - There is no SIGPIPE on Windows (MSG_NOSIGNAL is 0), no `socketpair` (the socket
 *   layer emulates it over TCP loopback, as CPython), no `sendmsg`/`recvmsg` (CPython
 *   offers neither on Windows), no sendfile, no epoll.
 *
 * @module
 */
import type { Libc, NativeType, SymbolDef } from "./symbols.ts";
import { NETDB_LAYOUTS, NETDB_SYMBOLS, netdbCalls } from "./windows_netdb.ts";
import type { BoundFn, WindowsBinder } from "./windows_binder.ts";

export type { BoundFn, WindowsBinder } from "./windows_binder.ts";

/**
 * The internal constants that the emulated calls understand, merged under the
 * generated Windows table's `sys` (Windows headers have no fcntl, SOCK_NONBLOCK,
 * SOCK_CLOEXEC or MSG_NOSIGNAL). The values are this layer's own codes (Linux's, for
 * familiarity), never passed to Windows itself.
 */
export const WINDOWS_SYS: Readonly<Record<string, number>> = {
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  F_DUPFD_CLOEXEC: 1030,
  FD_CLOEXEC: 1,
  O_RDONLY: 0,
  O_RDWR: 2,
  O_NONBLOCK: 0x800,
  O_CLOEXEC: 0x80000,
  SOCK_NONBLOCK: 0x800,
  SOCK_CLOEXEC: 0x80000,
  MSG_NOSIGNAL: 0,
  // The emulated lseek's whence: the C runtime's SEEK_* (FILE_BEGIN/CURRENT/END alike).
  SEEK_SET: 0,
  SEEK_CUR: 1,
  SEEK_END: 2,
  // netioapi.h: IF_NAMESIZE is NDIS_IF_MAX_STRING_SIZE (256); not in the generated table.
  IF_NAMESIZE: 256,
};

/**
 * The layout of the `struct if_nameindex` array that the emulated `if_nameindex` builds
 * (Windows has no such call: it is made from GetIfTable2), merged into the table's layouts.
 */
export const WINDOWS_LAYOUTS = {
  if_nameindex: { size: 16, align: 8, if_index: 0, if_name: 8 },
  ...NETDB_LAYOUTS,
} as const;

/** sizeof(MIB_IF_ROW2) on 64-bit Windows; the table's rows start 8 bytes in. */
const MIB_IF_ROW2_SIZE = 1352;

// Values of the Windows headers used only by this layer (winsock2.h, winbase.h, winnt.h,
// ws2def.h). They are fixed by the Windows ABI.
const FIONBIO = 0x8004667e | 0; // _IOW('f', 126, u_long), as a C long
const WSA_FLAG_OVERLAPPED = 0x01;
const WSA_FLAG_NO_HANDLE_INHERIT = 0x80;
const HANDLE_FLAG_INHERIT = 0x1;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000;
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x200;
const FROM_PROTOCOL_INFO = -1;
const INADDR_NONE = 0xffffffff;
/** sizeof(WSAPROTOCOL_INFOW) on every Windows (372 bytes: 628 with the 256-wchar name). */
export const WSAPROTOCOL_INFOW_SIZE = 628;
/** sizeof(WSADATA) on 64-bit Windows is 408; 512 leaves room. */
const WSADATA_SIZE = 512;
const WSAEINVAL = 10022;
const WSAEAFNOSUPPORT = 10047;
const WSAENOTSOCK = 10038;
const GENERIC_READ = 0x80000000;
const FILE_SHARE_ALL = 7; // read, write, delete: as a POSIX open, which locks nothing
const OPEN_EXISTING = 3;
const FILE_ATTRIBUTE_NORMAL = 0x80;
/** Win32 file errors as CPython's errno for them (winerror_to_errno). */
const FILE_ERRNO: Record<number, number> = { 2: 2, 3: 2, 5: 13, 6: 9, 32: 13, 123: 22 };
/** The most one emulated sendfile call reads and sends. */
const SENDFILE_CHUNK = 65536;

const S: NativeType = "usize"; // SOCKET
const ws2: Record<string, SymbolDef> = {
  WSAStartup: { parameters: ["u32", "buffer"], result: "i32" },
  WSAGetLastError: { parameters: [], result: "i32" },
  WSASetLastError: { parameters: ["i32"], result: "void" },
  // SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g,
  //                   DWORD flags)
  WSASocketW: { parameters: ["i32", "i32", "i32", "buffer", "u32", "u32"], result: S },
  // int WSADuplicateSocketW(SOCKET s, DWORD pid, LPWSAPROTOCOL_INFOW info)
  WSADuplicateSocketW: { parameters: [S, "u32", "buffer"], result: "i32" },
  bind: { parameters: [S, "buffer", "i32"], result: "i32" },
  listen: { parameters: [S, "i32"], result: "i32" },
  accept: { parameters: [S, "buffer", "buffer"], result: S },
  connect: { parameters: [S, "buffer", "i32"], result: "i32" },
  // int send(SOCKET s, const char *buf, int len, int flags)
  send: { parameters: [S, "buffer", "i32", "i32"], result: "i32" },
  sendto: { parameters: [S, "buffer", "i32", "i32", "buffer", "i32"], result: "i32" },
  recv: { parameters: [S, "buffer", "i32", "i32"], result: "i32" },
  recvfrom: { parameters: [S, "buffer", "i32", "i32", "buffer", "buffer"], result: "i32" },
  shutdown: { parameters: [S, "i32"], result: "i32" },
  closesocket: { parameters: [S], result: "i32" },
  // int ioctlsocket(SOCKET s, long cmd, u_long *argp)
  ioctlsocket: { parameters: [S, "i32", "buffer"], result: "i32" },
  // int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD inLen, LPVOID out, DWORD outLen,
  //              LPDWORD returned, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr)
  WSAIoctl: {
    parameters: [S, "u32", "buffer", "u32", "buffer", "u32", "buffer", "usize", "usize"],
    result: "i32",
  },
  getsockopt: { parameters: [S, "i32", "i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: [S, "i32", "i32", "buffer", "i32"], result: "i32" },
  getsockname: { parameters: [S, "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: [S, "buffer", "buffer"], result: "i32" },
  // int WSAPoll(LPWSAPOLLFD fds, ULONG n, INT timeout)
  WSAPoll: { parameters: ["buffer", "u32", "i32"], result: "i32" },
  WSAPoll_async: {
    name: "WSAPoll",
    parameters: ["buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "i32" },
  getaddrinfo_async: {
    name: "getaddrinfo",
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  freeaddrinfo: { parameters: ["usize"], result: "void" },
  // int getnameinfo(const SOCKADDR *sa, socklen_t salen, PCHAR host, DWORD hostlen,
  //                 PCHAR serv, DWORD servlen, INT flags)
  getnameinfo: {
    parameters: ["buffer", "i32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
  },
  getnameinfo_async: {
    name: "getnameinfo",
    parameters: ["buffer", "i32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  gethostname: { parameters: ["buffer", "i32"], result: "i32" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // PCSTR inet_ntop(INT family, const VOID *addr, PSTR buf, size_t size)
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "usize"], result: "usize" },
  // unsigned long inet_addr(const char *cp)
  inet_addr: { parameters: ["buffer"], result: "u32" },
};
const kernel32: Record<string, SymbolDef> = {
  // BOOL SetHandleInformation(HANDLE h, DWORD mask, DWORD flags)
  SetHandleInformation: { parameters: ["usize", "u32", "u32"], result: "i32" },
  // BOOL GetHandleInformation(HANDLE h, LPDWORD flags)
  GetHandleInformation: { parameters: ["usize", "buffer"], result: "i32" },
  GetLastError: { parameters: [], result: "u32" },
  // HANDLE CreateFileA(LPCSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
  //                    DWORD disposition, DWORD flags, HANDLE template)
  CreateFileA: {
    parameters: ["buffer", "u32", "u32", "usize", "u32", "u32", "usize"],
    result: "usize",
  },
  // BOOL ReadFile(HANDLE h, LPVOID buf, DWORD n, LPDWORD read, LPOVERLAPPED ov)
  ReadFile: { parameters: ["usize", "buffer", "u32", "buffer", "usize"], result: "i32" },
  // BOOL SetFilePointerEx(HANDLE h, LARGE_INTEGER distance, PLARGE_INTEGER newPos, DWORD how)
  SetFilePointerEx: { parameters: ["usize", "i64", "buffer", "u32"], result: "i32" },
  CloseHandle: { parameters: ["usize"], result: "i32" },
  GetCurrentProcessId: { parameters: [], result: "u32" },
  // DWORD FormatMessageA(DWORD flags, LPCVOID source, DWORD id, DWORD lang, LPSTR buf,
  //                      DWORD size, va_list *args)
  FormatMessageA: {
    parameters: ["u32", "usize", "u32", "u32", "buffer", "u32", "usize"],
    result: "u32",
  },
};
const msvcrt: Record<string, SymbolDef> = {
  // errno_t strerror_s(char *buf, size_t size, int errnum)
  strerror_s: { parameters: ["buffer", "usize", "i32"], result: "i32" },
};
const iphlpapi: Record<string, SymbolDef> = {
  // NETIO_STATUS GetIfTable2(PMIB_IF_TABLE2 *table)
  GetIfTable2: { parameters: ["buffer"], result: "u32" },
  // VOID FreeMibTable(PVOID memory)
  FreeMibTable: { parameters: ["usize"], result: "void" },
  // NETIO_STATUS ConvertInterfaceLuidToNameA(const NET_LUID *luid, PSTR name, SIZE_T length)
  ConvertInterfaceLuidToNameA: { parameters: ["buffer", "buffer", "usize"], result: "u32" },
  // NET_IFINDEX if_nametoindex(PCSTR name)
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
  // PCHAR if_indextoname(NET_IFINDEX index, PCHAR name)
  if_indextoname: { parameters: ["u32", "buffer"], result: "usize" },
};

/**
 * What a backend's `dedicated(key)` (a thread of its own) calls on Windows for a table entry:
 * the C function, its DLL, and the function of that DLL whose result is the call's error
 * (Winsock's last error is per thread: the helper thread reads it, right after the call).
 * A negative result is a failure whose error the backend stores in the errno cell.
 */
export interface WindowsThreadCall {
  /** The DLL ("ws2_32.dll"). */
  readonly path: string;
  /** The C function. */
  readonly name: string;
  /** Its signature. */
  readonly def: SymbolDef;
  /** The DLL's last-error function. */
  readonly lastError: string;
}

/**
 * The entries a Windows backend runs on a thread of its own: the reactor's wait.
 *
 * @example
 * ```ts ignore
 * import { WINDOWS_THREAD_CALLS } from "./windows.ts";
 * console.log(WINDOWS_THREAD_CALLS.poll_async.name); // "WSAPoll"
 * ```
 */
export const WINDOWS_THREAD_CALLS: Readonly<Record<string, WindowsThreadCall>> = {
  poll_async: {
    path: "ws2_32.dll",
    name: "WSAPoll",
    def: ws2.WSAPoll_async,
    lastError: "WSAGetLastError",
  },
};

/** The Windows functions the socket layer calls beyond the POSIX-shaped table. */
export interface WindowsExtras {
  /** `WSAIoctl(s, code, in, inLen, out, outLen, &returned, NULL, NULL)`; -1 and errno on failure. */
  wsaIoctl(
    s: number,
    code: number,
    input: Uint8Array | null,
    output: Uint8Array | null,
    returned: Uint32Array,
  ): number;
  /** `WSADuplicateSocketW(s, pid, info)`; -1 and errno on failure. */
  duplicate(s: number, pid: number, info: Uint8Array): number;
  /** `WSASocketW(FROM_PROTOCOL_INFO x3, info, 0, ...)`: a socket from a shared description. */
  fromProtocolInfo(info: Uint8Array): number;
  /** Forgets the remembered non-blocking state of `s` (after a close elsewhere). */
  forget(s: number): void;
}

/** A Windows {@link Libc} plus the calls only Windows has. */
export interface WindowsLayer {
  /** The POSIX-shaped functions. */
  readonly libc: Libc;
  /** The Windows-only calls. */
  readonly extras: WindowsExtras;
  /** The last failed call's WSA error (the errno cell). */
  errno(): number;
  /** Sets the errno cell. */
  setErrno(value: number): void;
}

/**
 * Binds ws2_32, kernel32 and iphlpapi through `binder`, calls `WSAStartup(2.2)` once,
 * and returns the POSIX-shaped layer.
 *
 * @example
 * ```ts ignore
 * import { windowsLibc } from "./windows.ts";
 * // inside a backend, on Windows only:
 * // const { libc } = windowsLibc({ bind: (dll, t) => Deno.dlopen(dll, t).symbols, addressOf });
 * ```
 */
export function windowsLibc(binder: WindowsBinder): WindowsLayer {
  const w = binder.bind("ws2_32.dll", { ...ws2, ...NETDB_SYMBOLS });
  const k = binder.bind("kernel32.dll", kernel32);
  const crt = binder.bind("msvcrt.dll", msvcrt);
  let ip: Record<string, BoundFn> = {};
  try {
    ip = binder.bind("iphlpapi.dll", iphlpapi);
  } catch {
    // if_nametoindex/if_indextoname stay absent
  }
  const wsadata = new Uint8Array(WSADATA_SIZE);
  const started = w.WSAStartup(0x0202, wsadata);
  if (started !== 0) throw new Error(`socket: WSAStartup failed with error ${started}`);

  // The errno cell: off-heap (an ArrayBuffer of its own), so its address is stable.
  const errnoCell = new Int32Array(new ArrayBuffer(8));
  const errnoAddress = binder.addressOf(errnoCell);
  const fail = (): -1 => {
    errnoCell[0] = w.WSAGetLastError();
    return -1;
  };
  const setError = (code: number): -1 => {
    errnoCell[0] = code;
    return -1;
  };
  const handle = (s: number | bigint): number => {
    // INVALID_SOCKET is ~0 (a bigint from the FFI); real handles fit 32 bits.
    if (typeof s === "bigint") return s > 0x7fffffffn ? -1 : Number(s);
    return s > 0x7fffffff ? -1 : s;
  };

  const nonblocking = new Set<number>();
  const ulong = new Uint32Array(1);
  const dword = new Uint32Array(1);
  const setNonblocking = (s: number, on: boolean): number => {
    ulong[0] = on ? 1 : 0;
    if (w.ioctlsocket(s, FIONBIO, ulong) !== 0) return fail();
    if (on) nonblocking.add(s);
    else nonblocking.delete(s);
    return 0;
  };
  const setInheritable = (s: number, on: boolean): number => {
    if (k.SetHandleInformation(s, HANDLE_FLAG_INHERIT, on ? HANDLE_FLAG_INHERIT : 0) === 0) {
      return setError(k.GetLastError());
    }
    return 0;
  };
  const X = WINDOWS_SYS;
  const typeFlags = X.SOCK_NONBLOCK | X.SOCK_CLOEXEC;
  /** Applies SOCK_NONBLOCK to a new socket; closes it and fails on error. */
  const finish = (s: number, flags: number): number => {
    if ((flags & X.SOCK_NONBLOCK) !== 0 && setNonblocking(s, true) < 0) {
      const e = errnoCell[0];
      w.closesocket(s);
      return setError(e);
    }
    return s;
  };
  const protocolInfo = new Uint8Array(WSAPROTOCOL_INFOW_SIZE);
  const dup = (s: number): number => {
    if (w.WSADuplicateSocketW(s, k.GetCurrentProcessId(), protocolInfo) !== 0) return fail();
    return fromProtocolInfo(protocolInfo);
  };
  const fromProtocolInfo = (info: Uint8Array): number => {
    const r = handle(
      w.WSASocketW(
        FROM_PROTOCOL_INFO,
        FROM_PROTOCOL_INFO,
        FROM_PROTOCOL_INFO,
        info,
        0,
        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
      ),
    );
    return r < 0 ? fail() : r;
  };
  const messages = new Map<number, Uint8Array>();
  /** FormatMessageA's text for `code` (no trailing newline), kept alive for its address. */
  const message = (code: number): Uint8Array => {
    let text = messages.get(code);
    if (text === undefined) {
      const buf = new Uint8Array(512);
      let n = k.FormatMessageA(
        FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        0,
        code >>> 0,
        0,
        buf,
        buf.length - 1,
        0,
      );
      while (n > 0 && (buf[n - 1] === 10 || buf[n - 1] === 13 || buf[n - 1] === 32)) n--;
      text = new Uint8Array(new ArrayBuffer(n + 1));
      if (n === 0) text = new TextEncoder().encode(`Unknown error ${code}\0`);
      else text.set(buf.subarray(0, n));
      messages.set(code, text);
    }
    return text;
  };
  const zero = (r: number): number => (r === 0 ? 0 : fail());

  // Files for sendfile: opened read-only with CreateFileA; `close` tells them from sockets.
  const files = new Set<number>();
  const fileError = (): -1 => setError(FILE_ERRNO[k.GetLastError()] ?? 22);
  const chunk = new Uint8Array(SENDFILE_CHUNK);
  /** The arrays (and their names) made by if_nameindex, alive until if_freenameindex. */
  const nameIndexes = new Map<bigint, Uint8Array[]>();

  const libc: Record<string, unknown> = {
    errno_location: () => errnoAddress,
    socket(family: number, type: number, proto: number): number {
      const s = handle(
        w.WSASocketW(
          family,
          type & ~typeFlags,
          proto,
          null,
          0,
          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
        ),
      );
      if (s < 0) return fail();
      return finish(s, type);
    },
    socketpair(): number {
      // No socketpair in Winsock: the socket layer emulates it (see the module notes).
      return setError(WSAEAFNOSUPPORT);
    },
    bind: (s: number, addr: Uint8Array, len: number) => zero(w.bind(s, addr, len)),
    listen: (s: number, n: number) => zero(w.listen(s, n)),
    accept4(s: number, addr: Uint8Array | null, len: Uint8Array | null, flags: number): number {
      const r = handle(w.accept(s, addr, len));
      if (r < 0) return fail();
      // The accepted socket inherits the listener's FIONBIO: set it to what was asked.
      if (nonblocking.has(s) && (flags & X.SOCK_NONBLOCK) === 0) {
        if (setNonblocking(r, false) < 0) {
          const e = errnoCell[0];
          w.closesocket(r);
          return setError(e);
        }
        return r;
      }
      // accept() gives an inheritable handle: make it what was asked (CPython: not).
      setInheritable(r, (flags & X.SOCK_CLOEXEC) === 0);
      return finish(r, flags);
    },
    connect: (s: number, addr: Uint8Array, len: number) => zero(w.connect(s, addr, len)),
    send(s: number, buf: Uint8Array, n: number | bigint, flags: number): number {
      const r = w.send(s, buf, Number(n), flags);
      return r < 0 ? fail() : r;
    },
    sendto(
      s: number,
      buf: Uint8Array,
      n: number | bigint,
      flags: number,
      addr: Uint8Array | null,
      len: number,
    ): number {
      const r = w.sendto(s, buf, Number(n), flags, addr, len);
      return r < 0 ? fail() : r;
    },
    recv(s: number, buf: Uint8Array, n: number | bigint, flags: number): number {
      const r = w.recv(s, buf, Number(n), flags);
      return r < 0 ? fail() : r;
    },
    recvfrom(
      s: number,
      buf: Uint8Array,
      n: number | bigint,
      flags: number,
      addr: Uint8Array | null,
      len: Uint8Array | null,
    ): number {
      const r = w.recvfrom(s, buf, Number(n), flags, addr, len);
      return r < 0 ? fail() : r;
    },
    shutdown: (s: number, how: number) => zero(w.shutdown(s, how)),
    close(s: number): number {
      if (files.delete(s)) return k.CloseHandle(s) !== 0 ? 0 : fileError();
      nonblocking.delete(s);
      return zero(w.closesocket(s));
    },
    open(path: Uint8Array, _flags: number, _mode: number): number {
      // Only what SendfileJob asks: an existing file, read-only, not inherited.
      const h = handle(
        k.CreateFileA(
          path,
          GENERIC_READ,
          FILE_SHARE_ALL,
          0,
          OPEN_EXISTING,
          FILE_ATTRIBUTE_NORMAL,
          0,
        ),
      );
      if (h < 0) return fileError();
      files.add(h);
      return h;
    },
    lseek(file: number, offset: number | bigint, whence: number): number | bigint {
      // Files of `open` only (SEEK_SET/CUR/END are FILE_BEGIN/CURRENT/END: 0/1/2).
      const position = new BigInt64Array(1);
      if (k.SetFilePointerEx(file, BigInt(offset), position, whence) === 0) return fileError();
      return position[0];
    },
    read(file: number, buf: Uint8Array, n: number | bigint): number {
      if (k.ReadFile(file, buf, Math.min(Number(n), buf.length), dword, 0) === 0) {
        return fileError();
      }
      return dword[0];
    },
    sendfile(out: number, file: number, offset: Uint8Array, count: number | bigint): number {
      // No TransmitFile here (it needs overlapped I/O to be non-blocking): read, then send,
      // as CPython's socket.sendfile falls back to send() on Windows.
      const off = new DataView(offset.buffer, offset.byteOffset, 8);
      const at = off.getBigInt64(0, true);
      if (k.SetFilePointerEx(file, at, null, 0) === 0) return fileError();
      const want = Math.min(Number(count), chunk.length);
      if (k.ReadFile(file, chunk, want, dword, 0) === 0) return fileError();
      if (dword[0] === 0) return 0;
      const r = w.send(out, chunk, dword[0], 0);
      if (r < 0) return fail();
      off.setBigInt64(0, at + BigInt(r), true);
      return r;
    },
    dup: (s: number) => dup(s),
    fcntl(s: number, cmd: number, arg: number): number {
      switch (cmd) {
        case X.F_GETFL: {
          // Fails on a non-socket as fcntl would on a bad descriptor.
          dword[0] = 4;
          if (w.getsockopt(s, 0xffff, 0x1008, ulong, dword) !== 0) return fail(); // SO_TYPE
          return X.O_RDWR | (nonblocking.has(s) ? X.O_NONBLOCK : 0);
        }
        case X.F_SETFL:
          return setNonblocking(s, (arg & X.O_NONBLOCK) !== 0);
        case X.F_GETFD:
          if (k.GetHandleInformation(s, dword) === 0) return setError(WSAENOTSOCK);
          return (dword[0] & HANDLE_FLAG_INHERIT) !== 0 ? 0 : X.FD_CLOEXEC;
        case X.F_SETFD:
          return setInheritable(s, (arg & X.FD_CLOEXEC) === 0);
        case X.F_DUPFD_CLOEXEC:
          return dup(s);
        default:
          return setError(WSAEINVAL);
      }
    },
    getsockopt: (s: number, level: number, name: number, val: Uint8Array, len: Uint8Array) =>
      zero(w.getsockopt(s, level, name, val, len)),
    setsockopt: (s: number, level: number, name: number, val: Uint8Array | null, len: number) =>
      zero(w.setsockopt(s, level, name, val, len)),
    getsockname: (s: number, addr: Uint8Array, len: Uint8Array) =>
      zero(w.getsockname(s, addr, len)),
    getpeername: (s: number, addr: Uint8Array, len: Uint8Array) =>
      zero(w.getpeername(s, addr, len)),
    poll(fds: Uint8Array, n: number | bigint, timeout: number): number {
      const r = w.WSAPoll(fds, Number(n), timeout);
      return r < 0 ? fail() : r;
    },
    async poll_async(fds: Uint8Array, n: number | bigint, timeout: number): Promise<number> {
      const r = await w.WSAPoll_async(fds, Number(n), timeout);
      return r < 0 ? fail() : r;
    },
    getaddrinfo: w.getaddrinfo,
    getaddrinfo_async: w.getaddrinfo_async,
    freeaddrinfo: w.freeaddrinfo,
    gai_strerror: (code: number) => binder.addressOf(message(code)),
    getnameinfo: w.getnameinfo,
    getnameinfo_async: w.getnameinfo_async,
    gethostname(buf: Uint8Array, n: number | bigint): number {
      return zero(w.gethostname(buf, Math.min(Number(n), 0x7fffffff)));
    },
    inet_pton(family: number, src: Uint8Array, dst: Uint8Array): number {
      const r = w.inet_pton(family, src, dst);
      return r < 0 ? fail() : r;
    },
    inet_ntop(family: number, src: Uint8Array, dst: Uint8Array, n: number): number | bigint {
      const r = w.inet_ntop(family, src, dst, n);
      if (r === 0 || r === 0n) fail();
      return r;
    },
    inet_aton(cp: Uint8Array, out: Uint8Array): number {
      // No inet_aton on Windows: inet_addr, as CPython does there (it takes the same
      // forms; its INADDR_NONE is also 255.255.255.255, told apart by the text).
      const v = w.inet_addr(cp) >>> 0;
      if (v === INADDR_NONE) {
        const text = new TextDecoder().decode(cp.subarray(0, cp.indexOf(0)));
        if (text !== "255.255.255.255") return 0;
      }
      new DataView(out.buffer, out.byteOffset, 4).setUint32(0, v, true);
      return 1;
    },
    strerror_r(code: number, buf: Uint8Array, n: number | bigint): number {
      // The C runtime's errno values (below Winsock's 10000) have the CRT's texts, as
      // Python's os.strerror there; Winsock's come from FormatMessage.
      if (code > 0 && code < 10000) return crt.strerror_s(buf, Number(n), code) === 0 ? 0 : 22;
      const text = message(code);
      const len = Math.min(text.length, Number(n));
      buf.set(text.subarray(0, len));
      if (len > 0) buf[len - 1] = 0;
      return 0;
    },
    ...netdbCalls(binder, w, () => w.WSAGetLastError()),
    if_nametoindex: ip.if_nametoindex,
    if_indextoname(index: number, name: Uint8Array): number | bigint {
      const r = ip.if_indextoname(index, name);
      if (r === 0 || r === 0n) setError(WSAEINVAL);
      return r;
    },
    if_nameindex(): number | bigint {
      // As CPython on Windows: the interfaces of GetIfTable2, named by their LUID.
      const cell = new BigUint64Array(1);
      const status = ip.GetIfTable2(cell);
      if (status !== 0) {
        setError(status);
        return 0;
      }
      const table = cell[0];
      try {
        const n = new DataView(binder.peek(table, 4).buffer).getUint32(0, true);
        const L = WINDOWS_LAYOUTS.if_nameindex;
        const array = new Uint8Array(new ArrayBuffer((n + 1) * L.size));
        const view = new DataView(array.buffer);
        const keep: Uint8Array[] = [array];
        for (let i = 0; i < n; i++) {
          const row = binder.peek(table + 8n + BigInt(i * MIB_IF_ROW2_SIZE), 12);
          const name = new Uint8Array(new ArrayBuffer(WINDOWS_SYS.IF_NAMESIZE + 1));
          if (ip.ConvertInterfaceLuidToNameA(row.subarray(0, 8), name, name.length) !== 0) {
            continue;
          }
          keep.push(name);
          const at = (keep.length - 2) * L.size;
          view.setUint32(at + L.if_index, new DataView(row.buffer).getUint32(8, true), true);
          view.setBigUint64(at + L.if_name, binder.addressOf(name), true);
        }
        const head = binder.addressOf(array);
        nameIndexes.set(head, keep);
        return head;
      } finally {
        ip.FreeMibTable(table);
      }
    },
    if_freenameindex(head: number | bigint): void {
      nameIndexes.delete(BigInt(head));
    },
  };
  const extras: WindowsExtras = {
    wsaIoctl(s, code, input, output, returned) {
      const r = w.WSAIoctl(
        s,
        code >>> 0,
        input,
        input?.length ?? 0,
        output,
        output?.length ?? 0,
        returned,
        0,
        0,
      );
      return r === 0 ? 0 : fail();
    },
    duplicate: (s, pid, info) => zero(w.WSADuplicateSocketW(s, pid >>> 0, info)),
    fromProtocolInfo,
    forget: (s) => void nonblocking.delete(s),
  };
  return {
    libc: libc as unknown as Libc,
    extras,
    errno: () => errnoCell[0],
    setErrno: (value) => void (errnoCell[0] = value),
  };
}

/** The Windows layer of the running process, once a backend has made it (else undefined). */
export let windowsLayer: WindowsLayer | undefined;

/** Records the layer a backend made (see {@link windowsLayer}). */
export function setWindowsLayer(layer: WindowsLayer): void {
  windowsLayer = layer;
}
