/**
 * # @socket/socket
 *
 * The BSD socket interface for TypeScript: a faithful port of Python's
 * [`socket`](https://docs.python.org/3/library/socket.html) module, calling the C library
 * directly through FFI. Same names, arguments, defaults, errors and semantics as Python's
 * module, so Python's documentation documents this one. It gives what `Deno.listen` and
 * `Deno.connect` do not: unix datagram sockets that connect, raw and packet sockets, any
 * socket option, descriptor passing (SCM_RIGHTS), netlink, `recvmsg`/`sendmsg` with
 * ancillary data, and Python's blocking, timeout and non-blocking modes.
 *
 * ## Install
 *
 * ```sh
 * deno add jsr:@socket/socket
 * ```
 *
 * Node and Bun: the npm package, `npm install @socket/socket` (its README covers them).
 *
 * ## Use
 *
 * ```ts
 * import assert from "node:assert";
 * import * as socket from "@socket/socket";
 *
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * using cli = socket.create_connection(srv.getsockname());
 * const [conn, addr] = srv.accept();
 * cli.sendall(new TextEncoder().encode("hello"));
 * const text = new TextDecoder().decode(conn.recv(1024));
 * assert.strictEqual(text, "hello");
 * console.log(addr, text); // [ "127.0.0.1", 39414 ] hello
 * conn.close();
 * ```
 *
 * Run it with `deno run --allow-ffi app.ts`. The calls block the calling thread, as
 * Python's do; in a server that must keep the event loop running, use the async API.
 *
 * ## The async API
 *
 * Python's asyncio socket functions on non-blocking sockets, each with a last
 * `{ signal }`; they never block the event loop (one readiness wait for all sockets runs
 * on a helper thread). Also importable alone from `@socket/socket/asyncio`.
 *
 * ```ts
 * import * as socket from "@socket/socket";
 * import { sock_accept, sock_connect, sock_recv, sock_sendall } from "@socket/socket/asyncio";
 *
 * using srv = socket.create_server(["127.0.0.1", 0]);
 * srv.setblocking(false);
 * using cli = new socket.socket();
 * cli.setblocking(false);
 * const [[conn]] = await Promise.all([sock_accept(srv), sock_connect(cli, srv.getsockname())]);
 * await sock_sendall(cli, new TextEncoder().encode("ping"));
 * const data = await sock_recv(conn, 100, { signal: AbortSignal.timeout(5000) });
 * console.log(new TextDecoder().decode(data)); // ping
 * conn.close();
 * ```
 *
 * The resolver runs off the main thread too: `getaddrinfo_async`, `getnameinfo_async`,
 * `gethostbyname_async`, `gethostbyname_ex_async`, `gethostbyaddr_async`, with a last
 * `{ signal }`. `socketStreams(sock)` (from `@socket/socket/streams`) gives a connected
 * socket as a `ReadableStream`/`WritableStream` pair, and `recv_chunks(sock)` its chunks
 * to `for await`:
 *
 * ```ts
 * import * as socket from "@socket/socket";
 * import { recv_chunks, socketStreams } from "@socket/socket/streams";
 *
 * const [a, b] = socket.socketpair();
 * a.setblocking(false);
 * b.setblocking(false);
 * const writer = socketStreams(a).writable.getWriter();
 * await writer.write(new TextEncoder().encode("streamed"));
 * await writer.close(); // the reader sees the end
 * for await (const chunk of recv_chunks(b)) console.log(new TextDecoder().decode(chunk)); // streamed
 * b.close();
 * ```
 *
 * ## Errors
 *
 * Python's exception classes, chosen from errno as Python chooses them, with Node's
 * `code` and `syscall` as well:
 *
 * ```ts
 * import * as socket from "@socket/socket";
 *
 * const unused = socket.create_server(["127.0.0.1", 0]);
 * const address = unused.getsockname();
 * unused.close(); // nothing listens there now
 * try {
 *   socket.create_connection(address, 5);
 * } catch (e) {
 *   const err = e as socket.OSError;
 *   console.log(err instanceof socket.ConnectionRefusedError, err.code); // true ECONNREFUSED
 * }
 * ```
 *
 * ## Permissions
 *
 * `--allow-ffi` gives the program the whole C library: any system call, any file or host,
 * whatever the other `--allow-*` flags say; Deno's net permissions do not see sockets
 * made here. Grant it only to code you trust as you would a native binary. To have
 * connects, binds and sends on IPv4/IPv6 checked against `--allow-net` anyway:
 *
 * ```ts
 * import * as socket from "@socket/socket";
 * import { enableNetPermissionChecks } from "@socket/socket/permissions";
 *
 * enableNetPermissionChecks(); // then `deno run --allow-ffi --allow-net=127.0.0.1`
 * using s = new socket.socket();
 * try {
 *   s.connect(["192.0.2.1", 80]);
 * } catch (e) {
 *   console.log(e instanceof socket.PermissionError); // true
 * }
 * ```
 *
 * Deno cannot adopt a socket made here as a `Deno.Conn`, and there is no TLS in this
 * module (on Node, hand the descriptor to `net.Socket` and wrap it with `tls.connect`).
 *
 * ## Platforms
 *
 * Linux x86_64 (glibc) is tested; Linux aarch64 (glibc) is tested under qemu. Deno has
 * no musl build. macOS (arm64, x86_64) is experimental: its tables are generated, it has
 * not run. Windows is not supported.
 *
 * @module
 */
// The generated constants module holds only Python's constant names (house_test checks them).
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
export { fromshare } from "./fromshare.ts";
export { htonl, htons, inet_aton, inet_ntoa, inet_ntop, inet_pton, ntohl, ntohs } from "./inet.ts";
export {
  type AncData,
  CMSG_LEN,
  CMSG_SPACE,
  type RecvmsgIntoResult,
  type RecvmsgResult,
} from "./message.ts";
export type {
  Address,
  AddressInputOf,
  AddressOf,
  FamilyConstant,
  Inet6Address,
  Inet6Family,
  InetAddress,
  InetFamily,
  SockAddr,
  UnixFamily,
} from "./address.ts";
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
export {
  type AddrInfo,
  getaddrinfo,
  getaddrinfo_async,
  getnameinfo,
  getnameinfo_async,
  type Host,
  type Port,
} from "./resolve.ts";
export {
  getfqdn,
  gethostbyaddr,
  gethostbyaddr_async,
  gethostbyname,
  gethostbyname_async,
  gethostbyname_ex,
  gethostbyname_ex_async,
  gethostname,
  getprotobyname,
  getservbyname,
  getservbyport,
  type HostEntry,
  sethostname,
} from "./netdb.ts";
export { if_indextoname, if_nameindex, if_nametoindex } from "./interfaces.ts";
// Extensions, not in Python: the async resolvers' options (lookup.ts) ...
export type { ResolverOptions } from "./lookup.ts";
// ... WHATWG streams over a connected socket ...
export { recv_chunks, type SocketStreams, socketStreams, type StreamOptions } from "./streams.ts";
// ... and batched datagrams (Linux recvmmsg/sendmmsg).
export { MessageBatch, recvmmsg, sendmmsg, sock_recvmmsg, sock_sendmmsg } from "./mmsg.ts";

/**
 * Python's `socket.has_ipv6`: whether IPv6 is supported on this platform.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { has_ipv6 } from "./mod.ts";
 * assert.strictEqual(has_ipv6, true);
 * ```
 */
export const has_ipv6: boolean = true;
