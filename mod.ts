/**
 * # socket
 *
 * The BSD socket interface for TypeScript: a faithful port of Python's `socket`
 * module over libc, Deno-first (Node and Bun from the same source). Same names,
 * arguments, defaults, errors and semantics as Python's module, so Python's
 * documentation documents this one.
 *
 * ```ts
 * import * as socket from "./mod.ts";
 *
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * using cli = socket.create_connection(srv.getsockname() as [string, number]);
 * const [conn] = srv.accept();
 * cli.sendall(new TextEncoder().encode("ping"));
 * console.log(new TextDecoder().decode(conn.recv(1024))); // "ping"
 * conn.close();
 * ```
 *
 * Run with `deno run --allow-ffi` (FFI gives the program the C library: see the README's
 * security notes).
 *
 * @module
 */
export * from "./constants/names.ts";
export {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  error,
  FileExistsError,
  FileNotFoundError,
  gaierror,
  herror,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  timeout,
  TimeoutError,
} from "./errors.ts";
export {
  AddressFamily,
  AddressInfo,
  type EnumMember,
  type IntEnum,
  MsgFlag,
  SocketKind,
} from "./enums.ts";
export { fromshare } from "./winsock.ts";
export { htonl, htons, inet_aton, inet_ntoa, inet_ntop, inet_pton, ntohl, ntohs } from "./inet.ts";
export {
  type AncData,
  CMSG_LEN,
  CMSG_SPACE,
  type RecvmsgIntoResult,
  type RecvmsgResult,
} from "./message.ts";
export type { Address, Inet6Address, InetAddress, SockAddr } from "./address.ts";
export {
  close,
  fromfd,
  getdefaulttimeout,
  setdefaulttimeout,
  socket,
  type SocketOptions,
  socketpair,
  SocketType,
} from "./socket.ts";
export {
  _GLOBAL_DEFAULT_TIMEOUT,
  create_connection,
  create_server,
  type CreateConnectionOptions,
  type CreateServerOptions,
  has_dualstack_ipv6,
  recv_fds,
  send_fds,
} from "./conveniences.ts";
export {
  type MakefileOptions,
  type SocketFile,
  type SocketFileFor,
  UnsupportedOperation,
} from "./makefile.ts";
export {
  type AsyncOptions,
  sock_accept,
  sock_connect,
  sock_recv,
  sock_recv_into,
  sock_recvfrom,
  sock_recvfrom_into,
  sock_recvmsg,
  sock_sendall,
  sock_sendfile,
  sock_sendmsg,
  sock_sendto,
} from "./asyncio.ts";
export * from "./resolve.ts";
export * from "./interfaces.ts";

/**
 * Python's `socket.has_ipv6`: whether IPv6 is supported on this platform.
 *
 * @example
 * ```ts
 * import { has_ipv6 } from "./mod.ts";
 * console.log(has_ipv6); // true
 * ```
 */
export const has_ipv6: boolean = true;
