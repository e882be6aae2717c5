/**
 * What Python's socket module does differently on Windows, over ffi/windows.ts:
 * `socketpair()` emulated over TCP loopback (as CPython's socket.py does there), and
 * the Windows-only API: `socket.ioctl` (SIO_RCVALL, SIO_KEEPALIVE_VALS,
 * SIO_LOOPBACK_FAST_PATH), `socket.share(pid)` and what `fromshare` (fromshare.ts) needs.
 * It imports no socket.ts (socket.ts imports it): the socket class comes as an argument. On Windows the
 * methods Python lacks there (`sendmsg`, `recvmsg`, `recvmsg_into`) are removed from
 * the socket prototype; elsewhere `ioctl` and `share` are absent, as in Python.
 *
 * @module
 */
import { windowsLayer } from "./ffi/windows.ts";
import { table } from "./constants/mod.ts";
import { fromErrno } from "./errors.ts";
import { toCInt } from "./args.ts";
import { ffi } from "./ffi/mod.ts";

/** Whether this process runs on Windows (the Windows FFI layer is loaded). */
export const WINDOWS: boolean = windowsLayer !== undefined;

const C = table.constants;
/** sizeof(WSAPROTOCOL_INFOW): fixed by the Windows ABI (szProtocol is WCHAR[256]). */
const PROTOCOL_INFO_SIZE = 628;
/** Offsets of iAddressFamily, iSocketType, iProtocol in WSAPROTOCOL_INFOW. */
const INFO_FAMILY = 76, INFO_TYPE = 88, INFO_PROTOCOL = 92;

function layer() {
  if (windowsLayer === undefined) throw new Error("socket: Windows-only call");
  return windowsLayer;
}

/** What {@link emulatedSocketpair} uses of a socket. */
export interface PairSocket<S> {
  bind(address: [string, number]): void;
  listen(): void;
  getsockname(): unknown;
  getpeername(): unknown;
  setblocking(flag: boolean): void;
  connect(address: [string, number]): void;
  accept(): [S, unknown];
  close(): void;
}

/**
 * `socketpair()` on Windows, as CPython emulates it: a listener on the loopback
 * address, a connecting socket, and a check that the accepted peer is that socket.
 *
 * @example
 * ```ts ignore
 * import { emulatedSocketpair } from "./winsock.ts";
 * const [a, b] = emulatedSocketpair(socket, null, 1, 0); // on Windows
 * ```
 */
export function emulatedSocketpair<S extends PairSocket<S>>(
  Socket: new (family: number, type: number, proto: number) => S,
  family: number | null,
  type: number,
  proto: number,
): [S, S] {
  const fam = family === null ? C.AF_INET! : toCInt(family);
  let host: string;
  if (fam === C.AF_INET) host = "127.0.0.1";
  else if (fam === C.AF_INET6) host = "::1";
  else throw new RangeError("Only AF_INET and AF_INET6 socket address families are supported");
  if (toCInt(type) !== C.SOCK_STREAM) {
    throw new RangeError("Only SOCK_STREAM socket type is supported");
  }
  if (toCInt(proto) !== 0) throw new RangeError("Only protocol zero is supported");
  const listener = new Socket(fam, type, proto);
  try {
    listener.bind([host, 0]);
    listener.listen();
    const [addr, port] = listener.getsockname() as [string, number];
    const client = new Socket(fam, type, proto);
    try {
      client.setblocking(false);
      try {
        client.connect([addr, port]);
      } catch (e) {
        if ((e as { errno?: number }).errno !== table.errno.EWOULDBLOCK) {
          if ((e as { errno?: number }).errno !== table.errno.EINPROGRESS) throw e;
        }
      }
      client.setblocking(true);
      const [server] = listener.accept();
      // As CPython (gh-122133): the accepted peer must be our client, not an intruder.
      const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
      if (
        !same(server.getsockname(), client.getpeername()) ||
        !same(server.getpeername(), client.getsockname())
      ) {
        server.close();
        throw Object.assign(new Error("Unexpected peer connection"), { name: "ConnectionError" });
      }
      return [server, client];
    } catch (e) {
      client.close();
      throw e;
    }
  } finally {
    listener.close();
  }
}

/**
 * `[family, type, proto]` of socket `fd` from its WSAPROTOCOL_INFOW
 * (`getsockopt(SO_PROTOCOL_INFOW)`), as CPython reads them on Windows for
 * `socket(fileno=...)`; OSError when `fd` is not a socket.
 *
 * @example
 * ```ts ignore
 * const [family, type, proto] = protocolInfo(fd); // Windows only
 * ```
 */
export function protocolInfo(fd: number): [number, number, number] {
  const { libc } = layer();
  const info = new Uint8Array(PROTOCOL_INFO_SIZE);
  const len = new Int32Array([PROTOCOL_INFO_SIZE]);
  const SO_PROTOCOL_INFOW = table.sys.SO_PROTOCOL_INFOW!;
  if (libc.getsockopt(fd, C.SOL_SOCKET!, SO_PROTOCOL_INFOW, info, new Uint8Array(len.buffer)) < 0) {
    throw fromErrno(ffi.errno(), "getsockopt");
  }
  const v = new DataView(info.buffer);
  return [
    v.getInt32(INFO_FAMILY, true),
    v.getInt32(INFO_TYPE, true),
    v.getInt32(INFO_PROTOCOL, true),
  ];
}

function ulongArg(v: unknown, what: string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v !== "number" && typeof v !== "bigint") {
    throw new TypeError(`${what}: an integer is required`);
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new TypeError(`${what}: an integer is required`);
  if (n < 0 || n > 0xffffffff) {
    throw new RangeError(
      `${what}: unsigned int is ${n < 0 ? "less than minimum" : "greater than maximum"}`,
    );
  }
  return n;
}

/**
 * Python's `socket.ioctl(control, option)` on Windows: SIO_RCVALL and
 * SIO_LOOPBACK_FAST_PATH take an integer, SIO_KEEPALIVE_VALS a tuple
 * `[onoff, keepalivetime_ms, keepaliveinterval_ms]`. Returns the byte count
 * WSAIoctl reports, as CPython does.
 *
 * @example
 * ```ts ignore
 * import * as socket from "./mod.ts";
 * const s = new socket.socket();
 * s.ioctl!(socket.SIO_KEEPALIVE_VALS!, [1, 10000, 3000]); // Windows only
 * ```
 */
export function ioctl(fd: number, control: number, option: unknown): number {
  const { extras } = layer();
  // CPython parses the code with "k": any integer, taken modulo 2**32.
  if (typeof control !== "number" || !Number.isInteger(control)) {
    throw new TypeError("ioctl: an integer is required");
  }
  const code = control >>> 0;
  const is = (name: string) => C[name] !== undefined && C[name] >>> 0 === code;
  let input: Uint8Array;
  if (is("SIO_KEEPALIVE_VALS")) {
    if (!Array.isArray(option) || option.length !== 3) {
      throw new TypeError(
        "ioctl() argument 2 must be tuple (onoff, keepalivetime, keepaliveinterval)",
      );
    }
    input = new Uint8Array(12);
    const v = new DataView(input.buffer);
    option.forEach((x, i) => v.setUint32(i * 4, ulongArg(x, "ioctl"), true));
  } else if (is("SIO_RCVALL") || is("SIO_LOOPBACK_FAST_PATH")) {
    input = new Uint8Array(4);
    new DataView(input.buffer).setUint32(0, ulongArg(option, "ioctl"), true);
  } else {
    throw new RangeError(`invalid ioctl command ${code}`);
  }
  const returned = new Uint32Array(1);
  if (extras.wsaIoctl(fd, code, input, null, returned) < 0) {
    throw fromErrno(ffi.errno(), "ioctl");
  }
  return returned[0];
}

/**
 * Python's `socket.share(process_id)`: the bytes of a WSAPROTOCOL_INFOW that lets
 * process `pid` make the same socket with {@link fromshare}.
 *
 * @example
 * ```ts ignore
 * const data = s.share!(pid); // Windows only
 * ```
 */
export function share(fd: number, pid: unknown): Uint8Array {
  const { extras } = layer();
  const info = new Uint8Array(PROTOCOL_INFO_SIZE);
  if (extras.duplicate(fd, ulongArg(pid, "share"), info) < 0) throw fromErrno(ffi.errno(), "share");
  return info;
}

/**
 * For `fromshare(data)` (fromshare.ts): checks `data`, makes the socket that
 * `socket.share(pid)` described for this process and returns `[fd, family, type, proto]`.
 *
 * @example
 * ```ts ignore
 * const [fd, family, type, proto] = sharedSocket(data); // on Windows
 * ```
 */
export function sharedSocket(data: ArrayBufferView): [number, number, number, number] {
  const { extras } = layer();
  if (!ArrayBuffer.isView(data)) throw new TypeError("fromshare() argument must be bytes");
  if (data.byteLength !== PROTOCOL_INFO_SIZE) {
    throw new RangeError(
      `socket descriptor string has wrong size, should be ${PROTOCOL_INFO_SIZE} bytes.`,
    );
  }
  const info = new Uint8Array(PROTOCOL_INFO_SIZE);
  info.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const v = new DataView(info.buffer);
  const fd = extras.fromProtocolInfo(info);
  if (fd < 0) throw fromErrno(ffi.errno(), "fromshare");
  return [
    fd,
    v.getInt32(INFO_FAMILY, true),
    v.getInt32(INFO_TYPE, true),
    v.getInt32(INFO_PROTOCOL, true),
  ];
}

/** The socket methods Python offers only on Windows. */
export interface WindowsMethods {
  /** Python's `socket.ioctl(control, option)` (see {@link ioctl}). */
  ioctl(control: number, option: unknown): number;
  /** Python's `socket.share(process_id)` (see {@link share}). */
  share(pid: number): Uint8Array;
}

/**
 * Makes the socket class Windows-shaped, as Python's is there: adds `ioctl` and
 * `share`, removes `sendmsg`, `recvmsg` and `recvmsg_into` (absent from CPython on
 * Windows). Called once by socket.ts on Windows.
 *
 * @example
 * ```ts ignore
 * installWindowsMethods(socket.prototype);
 * ```
 */
export function installWindowsMethods(proto: object): void {
  const methods: WindowsMethods & ThisType<{ fileno(): number }> = {
    ioctl(control, option) {
      return ioctl(this.fileno(), control, option);
    },
    share(pid) {
      return share(this.fileno(), pid);
    },
  };
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
  }
  for (const name of ["sendmsg", "recvmsg", "recvmsg_into"]) {
    delete (proto as Record<string, unknown>)[name];
  }
}
