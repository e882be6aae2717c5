/**
 * The shape of the generated per-platform tables in `constants/` (written by
 * `scripts/gen_constants.ts`).
 *
 * @module
 */

/**
 * The layout of one C struct: `size` and `align` (bytes), the offset of each
 * field the implementation touches under the field's name, and, where the
 * width of a field differs between platforms, its size under `<field>$size`.
 *
 * @example
 * ```ts
 * const sockaddrIn = { size: 16, align: 4, sin_family: 0, sin_port: 2, sin_addr: 4 };
 * ```
 */
export type StructLayout = Readonly<Record<string, number>> & {
  /** `sizeof` the struct. */
  readonly size: number;
  /** `_Alignof` the struct. */
  readonly align: number;
};

/**
 * The struct layouts of a platform, by C struct tag. Structs that only some
 * platforms have (most of them Linux-only) are optional.
 */
export interface Layouts {
  /** `struct sockaddr`: `sa_family` (+ `sa_len` on the BSDs and macOS). */
  readonly sockaddr: StructLayout;
  /** `struct sockaddr_in`: `sin_family`, `sin_port`, `sin_addr`. */
  readonly sockaddr_in: StructLayout;
  /** `struct sockaddr_in6`: family, port, flowinfo, addr, scope_id. */
  readonly sockaddr_in6: StructLayout;
  /** `struct sockaddr_un`: `sun_family`, `sun_path` (+ `sun_path$size`). */
  readonly sockaddr_un: StructLayout;
  /** `struct sockaddr_storage`. */
  readonly sockaddr_storage: StructLayout;
  /** `struct sockaddr_nl` (Linux netlink). */
  readonly sockaddr_nl?: StructLayout;
  /** `struct sockaddr_ll` (Linux AF_PACKET). */
  readonly sockaddr_ll?: StructLayout;
  /** `struct sockaddr_can` (Linux CAN). */
  readonly sockaddr_can?: StructLayout;
  /** `struct sockaddr_vm` (Linux VSOCK). */
  readonly sockaddr_vm?: StructLayout;
  /** `struct sockaddr_alg` (Linux kernel crypto API). */
  readonly sockaddr_alg?: StructLayout;
  /** `struct sockaddr_tipc` (Linux TIPC). */
  readonly sockaddr_tipc?: StructLayout;
  /** `struct sockaddr_qrtr` (Linux Qualcomm IPC router). */
  readonly sockaddr_qrtr?: StructLayout;
  /** `struct msghdr`, with `msg_iovlen$size` and `msg_controllen$size`. */
  readonly msghdr: StructLayout;
  /** `struct cmsghdr`, with `cmsg_len$size` and `cmsg_data` (CMSG_DATA's offset). */
  readonly cmsghdr: StructLayout;
  /** `struct iovec`. */
  readonly iovec: StructLayout;
  /** `struct addrinfo`. */
  readonly addrinfo: StructLayout;
  /** `struct hostent`. */
  readonly hostent: StructLayout;
  /** `struct servent`. */
  readonly servent: StructLayout;
  /** `struct protoent`. */
  readonly protoent: StructLayout;
  /** `struct if_nameindex`. */
  readonly if_nameindex: StructLayout;
  /** `struct pollfd`. */
  readonly pollfd: StructLayout;
  /** `struct linger`. */
  readonly linger: StructLayout;
  /** `struct timeval`. */
  readonly timeval: StructLayout;
  /** `struct ucred` (Linux SO_PEERCRED / SCM_CREDENTIALS). */
  readonly ucred?: StructLayout;
  /** `struct epoll_event` (Linux; packed on x86_64). */
  readonly epoll_event?: StructLayout;
  /** `struct in_pktinfo` (Linux IP_PKTINFO). */
  readonly in_pktinfo?: StructLayout;
  /** `struct in6_pktinfo` (IPV6_PKTINFO). */
  readonly in6_pktinfo?: StructLayout;
  /** `struct ip_mreq`. */
  readonly ip_mreq: StructLayout;
  /** `struct ip_mreqn` (Linux). */
  readonly ip_mreqn?: StructLayout;
  /** `struct ipv6_mreq`. */
  readonly ipv6_mreq: StructLayout;
  /** `struct rlimit`. */
  readonly rlimit: StructLayout;
  /** `struct stat` (`st_size`, `st_mode`; on darwin_x86_64 the `stat$INODE64` layout). */
  readonly stat: StructLayout;
  /** `struct kevent` (macOS, the BSDs; on macOS 32 bytes, packed to 4). */
  readonly kevent?: StructLayout;
}

/** Everything the C headers of one platform say that the implementation needs. */
export interface PlatformTable {
  /** The platform id, `<os>_<arch>[_<libc>]`, e.g. `linux_x86_64_gnu` or `darwin_aarch64`. */
  readonly platform: string;
  /** The socket module's integer constants the platform defines (AF_INET, SO_REUSEADDR, ...). */
  readonly constants: Readonly<Record<string, number>>;
  /** Every errno name of `<errno.h>` and its value. */
  readonly errno: Readonly<Record<string, number>>;
  /** Internal constants (O_NONBLOCK, EPOLLIN, SIZEOF_POINTER, CMSG_HDR_LEN, ...). */
  readonly sys: Readonly<Record<string, number>>;
  /** Struct sizes, alignments and field offsets. */
  readonly layouts: Layouts;
}

/**
 * The struct layouts of Windows (Winsock 2, x86_64), by the key the generator gives
 * them: the struct tag, or the Winsock typedef where the C name differs (`WSAMSG`,
 * `WSABUF`; `cmsghdr` is `WSACMSGHDR`, `pollfd` is `WSAPOLLFD`).
 */
export interface WindowsLayouts {
  /** `struct sockaddr` (no `sa_len`; `sa_family` is a 2-byte ADDRESS_FAMILY). */
  readonly sockaddr: StructLayout;
  /** `struct sockaddr_in`. */
  readonly sockaddr_in: StructLayout;
  /** `struct sockaddr_in6`. */
  readonly sockaddr_in6: StructLayout;
  /** `struct sockaddr_un` (afunix.h; `sun_path` 108 bytes). */
  readonly sockaddr_un: StructLayout;
  /** `struct sockaddr_storage`. */
  readonly sockaddr_storage: StructLayout;
  /** `WSAMSG`, the argument of WSASendMsg/WSARecvMsg (`dwBufferCount$size`, `namelen$size`). */
  readonly WSAMSG: StructLayout;
  /** `WSABUF` (`len$size` 4: a ULONG before the pointer). */
  readonly WSABUF: StructLayout;
  /** `WSACMSGHDR`, with `cmsg_len$size` (a size_t) and `cmsg_data` (WSA_CMSG_DATA's offset). */
  readonly cmsghdr: StructLayout;
  /** `struct addrinfo` (`ai_addrlen` is a size_t: `ai_addrlen$size` 8). */
  readonly addrinfo: StructLayout;
  /** `struct hostent` (`h_addrtype`, `h_length` are shorts). */
  readonly hostent: StructLayout;
  /** `struct servent` (on Win64 `s_proto` comes before `s_port`). */
  readonly servent: StructLayout;
  /** `struct protoent`. */
  readonly protoent: StructLayout;
  /** `WSAPOLLFD` (`fd` is a SOCKET: `fd$size` 8). */
  readonly pollfd: StructLayout;
  /** `struct linger` (two u_shorts). */
  readonly linger: StructLayout;
  /** `struct timeval` (two longs: 4 bytes each). */
  readonly timeval: StructLayout;
  /** `IN_PKTINFO`. */
  readonly in_pktinfo: StructLayout;
  /** `IN6_PKTINFO`. */
  readonly in6_pktinfo: StructLayout;
  /** `struct ip_mreq`. */
  readonly ip_mreq: StructLayout;
  /** `struct ipv6_mreq`. */
  readonly ipv6_mreq: StructLayout;
  /** `struct tcp_keepalive`, the argument of SIO_KEEPALIVE_VALS. */
  readonly tcp_keepalive: StructLayout;
}

/**
 * The generated table of a Windows platform: as {@link PlatformTable}, with Winsock's
 * structs. `errno` holds the values of CPython's errno module there (the Winsock
 * WSAE* value for the socket errors, the C runtime's for the rest); `sys` holds
 * INVALID_SOCKET (as -1), SIZEOF_SOCKET, FIONBIO, WSA_FLAG_* and the WSAPoll POLL* bits.
 */
export interface WindowsTable extends Omit<PlatformTable, "layouts"> {
  /** Struct sizes, alignments and field offsets. */
  readonly layouts: WindowsLayouts;
}
