/**
 * Generates the per-platform constants table `constants/<platform>.ts` and the
 * shared `constants/names.ts`.
 *
 * The values come from the C compiler, never from a hand-kept list of numbers:
 * the script writes a C probe that includes the system's socket headers,
 * compiles it with the system compiler, runs it and records what it prints.
 *
 * ```sh
 * deno run -A scripts/gen_constants.ts               # the host platform
 * deno run -A scripts/gen_constants.ts --out /tmp/x  # write elsewhere (tests)
 * CC=aarch64-linux-gnu-gcc PLATFORM=linux_aarch64_gnu \
 *   RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" deno run -A scripts/gen_constants.ts
 * ```
 *
 * Environment: `CC` (compiler command, default `cc`), `PLATFORM` (platform id,
 * default detected from the compiler's predefined macros), `RUNNER` (command
 * prefix used to run the cross-compiled probe), `PROBE_MODE` (`run`, the
 * default, or `asm`), `GEN_CONSTANTS_OUT` (same as `--out`).
 *
 * `PROBE_MODE=asm` is for a target that cannot run here (macOS, Windows): each
 * value becomes a file-scope `const long long` array initialised with the
 * expression, the probe is compiled with `-S` and the numbers are read back from
 * the assembly; nothing is executed. With the host compiler it writes the same
 * tables as the run mode (tests/constants_test.ts checks it). Apple's and
 * mingw-w64's headers come with Zig (scripts/gen_all_platforms.sh):
 *
 * ```sh
 * PROBE_MODE=asm CC="zig cc -target aarch64-macos" deno run -A scripts/gen_constants.ts
 * ```
 *
 * Steps:
 * 1. Find which optional headers compile on the target (header conflicts and
 *    missing headers are left out).
 * 2. Dump the macros the headers define (`cc -dM -E`): this gives the platform
 *    (os, arch, libc), the `#ifdef` answer for every candidate name, and the
 *    errno names.
 * 3. Write one probe program: names known as macros are emitted under
 *    `#ifdef`; the other candidates (enum members such as some `IPPROTO_*`) are
 *    emitted bare, and the ones that fail to compile are dropped, line by line,
 *    from the compiler's diagnostics, until the probe compiles.
 * 4. Build and run the probe (or, in asm mode, compile it to assembly and read
 *    the values there), write the table, regenerate `names.ts` from every
 *    committed platform table, and format both files.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Data: what to probe
// ---------------------------------------------------------------------------

/**
 * Every integer constant CPython's socket module can export on some platform
 * (the names of Modules/socketmodule.c's module init), united with the integer
 * names of `import socket` of the Python that was at hand. Sorted.
 */
// deno-fmt-ignore
const SOCKET_NAMES: readonly string[] = [
  "AF_AAL5", "AF_ALG", "AF_APPLETALK", "AF_ASH", "AF_ATMPVC", "AF_ATMSVC", "AF_AX25",
  "AF_BLUETOOTH", "AF_BRIDGE", "AF_CAN", "AF_DECnet", "AF_DIVERT", "AF_ECONET", "AF_HYPERV",
  "AF_INET", "AF_INET6", "AF_IPX", "AF_IRDA", "AF_KEY", "AF_LINK", "AF_LLC", "AF_NETBEUI",
  "AF_NETLINK", "AF_NETROM", "AF_PACKET", "AF_PPPOX", "AF_QIPCRTR", "AF_RDS", "AF_ROSE",
  "AF_ROUTE", "AF_SECURITY", "AF_SNA", "AF_SYSTEM", "AF_TIPC", "AF_UNIX", "AF_UNSPEC",
  "AF_VSOCK", "AF_WANPIPE", "AF_X25", "AI_ADDRCONFIG", "AI_ALL", "AI_CANONNAME", "AI_DEFAULT",
  "AI_MASK", "AI_NUMERICHOST", "AI_NUMERICSERV", "AI_PASSIVE", "AI_V4MAPPED", "AI_V4MAPPED_CFG",
  "ALG_OP_DECRYPT", "ALG_OP_ENCRYPT", "ALG_OP_SIGN", "ALG_OP_VERIFY", "ALG_SET_AEAD_ASSOCLEN",
  "ALG_SET_AEAD_AUTHSIZE", "ALG_SET_IV", "ALG_SET_KEY", "ALG_SET_OP", "ALG_SET_PUBKEY",
  "BDADDR_BREDR", "BDADDR_LE_PUBLIC", "BDADDR_LE_RANDOM", "BTPROTO_HCI", "BTPROTO_L2CAP",
  "BTPROTO_RFCOMM", "BTPROTO_SCO", "BT_CHANNEL_POLICY", "BT_CHANNEL_POLICY_BREDR_ONLY",
  "BT_CHANNEL_POLICY_BREDR_PREFERRED", "BT_CODEC", "BT_DEFER_SETUP", "BT_FLUSHABLE",
  "BT_FLUSHABLE_OFF", "BT_FLUSHABLE_ON", "BT_ISO_QOS", "BT_MODE", "BT_MODE_BASIC",
  "BT_MODE_ERTM", "BT_MODE_EXT_FLOWCTL", "BT_MODE_LE_FLOWCTL", "BT_MODE_STREAMING", "BT_PHY",
  "BT_PHY_BR_1M_1SLOT", "BT_PHY_BR_1M_3SLOT", "BT_PHY_BR_1M_5SLOT", "BT_PHY_EDR_2M_1SLOT",
  "BT_PHY_EDR_2M_3SLOT", "BT_PHY_EDR_2M_5SLOT", "BT_PHY_EDR_3M_1SLOT", "BT_PHY_EDR_3M_3SLOT",
  "BT_PHY_EDR_3M_5SLOT", "BT_PHY_LE_1M_RX", "BT_PHY_LE_1M_TX", "BT_PHY_LE_2M_RX",
  "BT_PHY_LE_2M_TX", "BT_PHY_LE_CODED_RX", "BT_PHY_LE_CODED_TX", "BT_PKT_STATUS", "BT_POWER",
  "BT_POWER_FORCE_ACTIVE_OFF", "BT_POWER_FORCE_ACTIVE_ON", "BT_RCVMTU", "BT_SECURITY",
  "BT_SECURITY_FIPS", "BT_SECURITY_HIGH", "BT_SECURITY_LOW", "BT_SECURITY_MEDIUM",
  "BT_SECURITY_SDP", "BT_SNDMTU", "BT_VOICE", "BT_VOICE_CVSD_16BIT", "BT_VOICE_TRANSPARENT",
  "BT_VOICE_TRANSPARENT_16BIT", "CAN_BCM", "CAN_BCM_CAN_FD_FRAME", "CAN_BCM_RX_ANNOUNCE_RESUME",
  "CAN_BCM_RX_CHANGED", "CAN_BCM_RX_CHECK_DLC", "CAN_BCM_RX_DELETE", "CAN_BCM_RX_FILTER_ID",
  "CAN_BCM_RX_NO_AUTOTIMER", "CAN_BCM_RX_READ", "CAN_BCM_RX_RTR_FRAME", "CAN_BCM_RX_SETUP",
  "CAN_BCM_RX_STATUS", "CAN_BCM_RX_TIMEOUT", "CAN_BCM_SETTIMER", "CAN_BCM_STARTTIMER",
  "CAN_BCM_TX_ANNOUNCE", "CAN_BCM_TX_COUNTEVT", "CAN_BCM_TX_CP_CAN_ID", "CAN_BCM_TX_DELETE",
  "CAN_BCM_TX_EXPIRED", "CAN_BCM_TX_READ", "CAN_BCM_TX_RESET_MULTI_IDX", "CAN_BCM_TX_SEND",
  "CAN_BCM_TX_SETUP", "CAN_BCM_TX_STATUS", "CAN_EFF_FLAG", "CAN_EFF_MASK", "CAN_ERR_FLAG",
  "CAN_ERR_MASK", "CAN_ISOTP", "CAN_J1939", "CAN_RAW", "CAN_RAW_ERR_FILTER", "CAN_RAW_FD_FRAMES",
  "CAN_RAW_FILTER", "CAN_RAW_JOIN_FILTERS", "CAN_RAW_LOOPBACK", "CAN_RAW_RECV_OWN_MSGS",
  "CAN_RTR_FLAG", "CAN_SFF_MASK", "EAGAIN", "EAI_ADDRFAMILY", "EAI_AGAIN", "EAI_BADFLAGS",
  "EAI_BADHINTS", "EAI_FAIL", "EAI_FAMILY", "EAI_MAX", "EAI_MEMORY", "EAI_NODATA", "EAI_NONAME",
  "EAI_OVERFLOW", "EAI_PROTOCOL", "EAI_SERVICE", "EAI_SOCKTYPE", "EAI_SYSTEM", "EBADF",
  "ETHERTYPE_ARP", "ETHERTYPE_IP", "ETHERTYPE_IPV6", "ETHERTYPE_VLAN", "ETH_P_ALL",
  "EWOULDBLOCK", "HCI_CHANNEL_CONTROL", "HCI_CHANNEL_LOGGING", "HCI_CHANNEL_MONITOR",
  "HCI_CHANNEL_RAW", "HCI_CHANNEL_USER", "HCI_DATA_DIR", "HCI_DEV_NONE", "HCI_FILTER",
  "HCI_TIME_STAMP", "HVSOCKET_ADDRESS_FLAG_PASSTHRU", "HVSOCKET_CONNECTED_SUSPEND",
  "HVSOCKET_CONNECT_TIMEOUT", "HVSOCKET_CONNECT_TIMEOUT_MAX", "HV_PROTOCOL_RAW",
  "INADDR_ALLHOSTS_GROUP", "INADDR_ANY", "INADDR_BROADCAST", "INADDR_LOOPBACK",
  "INADDR_MAX_LOCAL_GROUP", "INADDR_NONE", "INADDR_UNSPEC_GROUP",
  "IOCTL_VM_SOCKETS_GET_LOCAL_CID", "IPPORT_RESERVED", "IPPORT_USERRESERVED", "IPPROTO_AH",
  "IPPROTO_BIP", "IPPROTO_CBT", "IPPROTO_DSTOPTS", "IPPROTO_EGP", "IPPROTO_EON", "IPPROTO_ESP",
  "IPPROTO_FRAGMENT", "IPPROTO_GGP", "IPPROTO_GRE", "IPPROTO_HELLO", "IPPROTO_HOPOPTS",
  "IPPROTO_ICLFXBM", "IPPROTO_ICMP", "IPPROTO_ICMPV6", "IPPROTO_IDP", "IPPROTO_IGMP",
  "IPPROTO_IGP", "IPPROTO_IP", "IPPROTO_IPCOMP", "IPPROTO_IPIP", "IPPROTO_IPV4", "IPPROTO_IPV6",
  "IPPROTO_L2TP", "IPPROTO_MAX", "IPPROTO_MOBILE", "IPPROTO_MPTCP", "IPPROTO_ND", "IPPROTO_NONE",
  "IPPROTO_PGM", "IPPROTO_PIM", "IPPROTO_PUP", "IPPROTO_RAW", "IPPROTO_RDP", "IPPROTO_ROUTING",
  "IPPROTO_RSVP", "IPPROTO_SCTP", "IPPROTO_ST", "IPPROTO_TCP", "IPPROTO_TP", "IPPROTO_UDP",
  "IPPROTO_UDPLITE", "IPPROTO_VRRP", "IPPROTO_XTP", "IPV6_CHECKSUM", "IPV6_DONTFRAG",
  "IPV6_DSTOPTS", "IPV6_HOPLIMIT", "IPV6_HOPOPTS", "IPV6_JOIN_GROUP", "IPV6_LEAVE_GROUP",
  "IPV6_MULTICAST_HOPS", "IPV6_MULTICAST_IF", "IPV6_MULTICAST_LOOP", "IPV6_NEXTHOP",
  "IPV6_PATHMTU", "IPV6_PKTINFO", "IPV6_RECVDSTOPTS", "IPV6_RECVERR", "IPV6_RECVHOPLIMIT",
  "IPV6_RECVHOPOPTS", "IPV6_RECVPATHMTU", "IPV6_RECVPKTINFO", "IPV6_RECVRTHDR",
  "IPV6_RECVTCLASS", "IPV6_RTHDR", "IPV6_RTHDRDSTOPTS", "IPV6_RTHDR_TYPE_0", "IPV6_TCLASS",
  "IPV6_UNICAST_HOPS", "IPV6_USE_MIN_MTU", "IPV6_V6ONLY", "IPX_TYPE", "IP_ADD_MEMBERSHIP",
  "IP_ADD_SOURCE_MEMBERSHIP", "IP_BIND_ADDRESS_NO_PORT", "IP_BLOCK_SOURCE",
  "IP_DEFAULT_MULTICAST_LOOP", "IP_DEFAULT_MULTICAST_TTL", "IP_DROP_MEMBERSHIP",
  "IP_DROP_SOURCE_MEMBERSHIP", "IP_FREEBIND", "IP_HDRINCL", "IP_MAX_MEMBERSHIPS",
  "IP_MULTICAST_IF", "IP_MULTICAST_LOOP", "IP_MULTICAST_TTL", "IP_OPTIONS", "IP_PKTINFO",
  "IP_RECVDSTADDR", "IP_RECVERR", "IP_RECVOPTS", "IP_RECVORIGDSTADDR", "IP_RECVRETOPTS",
  "IP_RECVTOS", "IP_RECVTTL", "IP_RETOPTS", "IP_TOS", "IP_TRANSPARENT", "IP_TTL",
  "IP_UNBLOCK_SOURCE", "J1939_EE_INFO_NONE", "J1939_EE_INFO_TX_ABORT", "J1939_FILTER_MAX",
  "J1939_IDLE_ADDR", "J1939_MAX_UNICAST_ADDR", "J1939_NLA_BYTES_ACKED", "J1939_NLA_PAD",
  "J1939_NO_ADDR", "J1939_NO_NAME", "J1939_NO_PGN", "J1939_PGN_ADDRESS_CLAIMED",
  "J1939_PGN_ADDRESS_COMMANDED", "J1939_PGN_MAX", "J1939_PGN_PDU1_MAX", "J1939_PGN_REQUEST",
  "L2CAP_LM", "L2CAP_LM_AUTH", "L2CAP_LM_ENCRYPT", "L2CAP_LM_MASTER", "L2CAP_LM_RELIABLE",
  "L2CAP_LM_SECURE", "L2CAP_LM_TRUSTED", "LOCAL_CREDS", "LOCAL_CREDS_PERSISTENT",
  "LOCAL_PEERCRED", "MSG_BCAST", "MSG_BTAG", "MSG_CMSG_CLOEXEC", "MSG_CONFIRM", "MSG_CTRUNC",
  "MSG_DONTROUTE", "MSG_DONTWAIT", "MSG_EOF", "MSG_EOR", "MSG_ERRQUEUE", "MSG_ETAG",
  "MSG_FASTOPEN", "MSG_MCAST", "MSG_MORE", "MSG_NOSIGNAL", "MSG_NOTIFICATION", "MSG_OOB",
  "MSG_PEEK", "MSG_TRUNC", "MSG_WAITALL", "NETLINK_CRYPTO", "NETLINK_DNRTMSG",
  "NETLINK_FIREWALL", "NETLINK_IP6_FW", "NETLINK_NFLOG", "NETLINK_ROUTE", "NETLINK_USERSOCK",
  "NETLINK_XFRM", "NI_DGRAM", "NI_IDN", "NI_MAXHOST", "NI_MAXSERV", "NI_NAMEREQD", "NI_NOFQDN",
  "NI_NUMERICHOST", "NI_NUMERICSERV", "PACKET_BROADCAST", "PACKET_FASTROUTE", "PACKET_HOST",
  "PACKET_LOOPBACK", "PACKET_MULTICAST", "PACKET_OTHERHOST", "PACKET_OUTGOING", "PF_CAN",
  "PF_DIVERT", "PF_PACKET", "PF_RDS", "PF_SYSTEM", "RCVALL_IPLEVEL", "RCVALL_MAX", "RCVALL_OFF",
  "RCVALL_ON", "RCVALL_SOCKETLEVELONLY", "RDS_CANCEL_SENT_TO", "RDS_CMSG_RDMA_ARGS",
  "RDS_CMSG_RDMA_DEST", "RDS_CMSG_RDMA_MAP", "RDS_CMSG_RDMA_STATUS", "RDS_CMSG_RDMA_UPDATE",
  "RDS_CONG_MONITOR", "RDS_FREE_MR", "RDS_GET_MR", "RDS_GET_MR_FOR_DEST", "RDS_RDMA_DONTWAIT",
  "RDS_RDMA_FENCE", "RDS_RDMA_INVALIDATE", "RDS_RDMA_NOTIFY_ME", "RDS_RDMA_READWRITE",
  "RDS_RDMA_SILENT", "RDS_RDMA_USE_ONCE", "RDS_RECVERR", "RFCOMM_LM_AUTH", "RFCOMM_LM_ENCRYPT",
  "RFCOMM_LM_SECURE", "SCM_CREDENTIALS", "SCM_CREDS", "SCM_CREDS2", "SCM_J1939_DEST_ADDR",
  "SCM_J1939_DEST_NAME", "SCM_J1939_ERRQUEUE", "SCM_J1939_PRIO", "SCM_RIGHTS", "SHUT_RD",
  "SHUT_RDWR", "SHUT_WR", "SIO_KEEPALIVE_VALS", "SIO_LOOPBACK_FAST_PATH", "SIO_RCVALL",
  "SOCK_CLOEXEC", "SOCK_DGRAM", "SOCK_NONBLOCK", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",
  "SOCK_STREAM", "SOL_ALG", "SOL_ATALK", "SOL_AX25", "SOL_BLUETOOTH", "SOL_CAN_BASE",
  "SOL_CAN_RAW", "SOL_HCI", "SOL_IP", "SOL_IPX", "SOL_L2CAP", "SOL_NETROM", "SOL_RDS",
  "SOL_RFCOMM", "SOL_ROSE", "SOL_SCO", "SOL_SOCKET", "SOL_TCP", "SOL_TIPC", "SOL_UDP",
  "SOMAXCONN", "SO_ACCEPTCONN", "SO_BINDTODEVICE", "SO_BINDTOIFINDEX", "SO_BROADCAST",
  "SO_BTH_ENCRYPT", "SO_BTH_MTU", "SO_BTH_MTU_MAX", "SO_BTH_MTU_MIN", "SO_DEBUG", "SO_DOMAIN",
  "SO_DONTROUTE", "SO_ERROR", "SO_EXCLUSIVEADDRUSE", "SO_HCI_EVT_FILTER", "SO_HCI_PKT_FILTER",
  "SO_INCOMING_CPU", "SO_J1939_ERRQUEUE", "SO_J1939_FILTER", "SO_J1939_PROMISC",
  "SO_J1939_SEND_PRIO", "SO_KEEPALIVE", "SO_L2CAP_ENCRYPTED", "SO_L2CAP_FLUSH", "SO_L2CAP_IMTU",
  "SO_L2CAP_IQOS", "SO_L2CAP_LM", "SO_L2CAP_OMTU", "SO_L2CAP_OQOS", "SO_LINGER", "SO_MARK",
  "SO_OOBINLINE", "SO_ORIGINAL_DST", "SO_PASSCRED", "SO_PASSSEC", "SO_PEERCRED", "SO_PEERSEC",
  "SO_PRIORITY", "SO_PROTOCOL", "SO_RCVBUF", "SO_RCVLOWAT", "SO_RCVTIMEO", "SO_REUSEADDR",
  "SO_REUSEPORT", "SO_REUSEPORT_LB", "SO_RFCOMM_FC_INFO", "SO_RFCOMM_LM", "SO_RFCOMM_MTU",
  "SO_RTABLE", "SO_SCO_CONNINFO", "SO_SCO_HANDLE", "SO_SCO_MTU", "SO_SETFIB", "SO_SNDBUF",
  "SO_SNDLOWAT", "SO_SNDTIMEO", "SO_TYPE", "SO_USELOOPBACK", "SO_USER_COOKIE",
  "SO_VM_SOCKETS_BUFFER_MAX_SIZE", "SO_VM_SOCKETS_BUFFER_MIN_SIZE", "SO_VM_SOCKETS_BUFFER_SIZE",
  "SYSPROTO_CONTROL", "TCP_CC_INFO", "TCP_CONGESTION", "TCP_CONNECTION_INFO", "TCP_CORK",
  "TCP_DEFER_ACCEPT", "TCP_FASTOPEN", "TCP_FASTOPEN_CONNECT", "TCP_FASTOPEN_KEY",
  "TCP_FASTOPEN_NO_COOKIE", "TCP_INFO", "TCP_INQ", "TCP_KEEPALIVE", "TCP_KEEPCNT",
  "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_LINGER2", "TCP_MAXSEG", "TCP_MD5SIG", "TCP_MD5SIG_EXT",
  "TCP_NODELAY", "TCP_NOTSENT_LOWAT", "TCP_QUEUE_SEQ", "TCP_QUICKACK", "TCP_REPAIR",
  "TCP_REPAIR_OPTIONS", "TCP_REPAIR_QUEUE", "TCP_REPAIR_WINDOW", "TCP_SAVED_SYN", "TCP_SAVE_SYN",
  "TCP_SYNCNT", "TCP_THIN_DUPACK", "TCP_THIN_LINEAR_TIMEOUTS", "TCP_TIMESTAMP", "TCP_TX_DELAY",
  "TCP_ULP", "TCP_USER_TIMEOUT", "TCP_WINDOW_CLAMP", "TCP_ZEROCOPY_RECEIVE", "TIPC_ADDR_ID",
  "TIPC_ADDR_NAME", "TIPC_ADDR_NAMESEQ", "TIPC_CFG_SRV", "TIPC_CLUSTER_SCOPE",
  "TIPC_CONN_TIMEOUT", "TIPC_CRITICAL_IMPORTANCE", "TIPC_DEST_DROPPABLE", "TIPC_HIGH_IMPORTANCE",
  "TIPC_IMPORTANCE", "TIPC_LOW_IMPORTANCE", "TIPC_MEDIUM_IMPORTANCE", "TIPC_NODE_SCOPE",
  "TIPC_PUBLISHED", "TIPC_SRC_DROPPABLE", "TIPC_SUBSCR_TIMEOUT", "TIPC_SUB_CANCEL",
  "TIPC_SUB_PORTS", "TIPC_SUB_SERVICE", "TIPC_TOP_SRV", "TIPC_WAIT_FOREVER", "TIPC_WITHDRAWN",
  "TIPC_ZONE_SCOPE", "UDPLITE_RECV_CSCOV", "UDPLITE_SEND_CSCOV", "VMADDR_CID_ANY",
  "VMADDR_CID_HOST", "VMADDR_CID_LOCAL", "VMADDR_PORT_ANY", "VM_SOCKETS_INVALID_VERSION",
];

/**
 * Socket-module names whose C expression is not the name itself: CPython
 * exports the CAN broadcast manager's opcodes and flags with a `CAN_BCM_`
 * prefix.
 */
const C_EXPRESSION: Readonly<Record<string, string>> = {
  CAN_BCM_CAN_FD_FRAME: "CAN_FD_FRAME",
  CAN_BCM_RX_ANNOUNCE_RESUME: "RX_ANNOUNCE_RESUME",
  CAN_BCM_RX_CHANGED: "RX_CHANGED",
  CAN_BCM_RX_CHECK_DLC: "RX_CHECK_DLC",
  CAN_BCM_RX_DELETE: "RX_DELETE",
  CAN_BCM_RX_FILTER_ID: "RX_FILTER_ID",
  CAN_BCM_RX_NO_AUTOTIMER: "RX_NO_AUTOTIMER",
  CAN_BCM_RX_READ: "RX_READ",
  CAN_BCM_RX_RTR_FRAME: "RX_RTR_FRAME",
  CAN_BCM_RX_SETUP: "RX_SETUP",
  CAN_BCM_RX_STATUS: "RX_STATUS",
  CAN_BCM_RX_TIMEOUT: "RX_TIMEOUT",
  CAN_BCM_SETTIMER: "SETTIMER",
  CAN_BCM_STARTTIMER: "STARTTIMER",
  CAN_BCM_TX_ANNOUNCE: "TX_ANNOUNCE",
  CAN_BCM_TX_COUNTEVT: "TX_COUNTEVT",
  CAN_BCM_TX_CP_CAN_ID: "TX_CP_CAN_ID",
  CAN_BCM_TX_DELETE: "TX_DELETE",
  CAN_BCM_TX_EXPIRED: "TX_EXPIRED",
  CAN_BCM_TX_READ: "TX_READ",
  CAN_BCM_TX_RESET_MULTI_IDX: "TX_RESET_MULTI_IDX",
  CAN_BCM_TX_SEND: "TX_SEND",
  CAN_BCM_TX_SETUP: "TX_SETUP",
  CAN_BCM_TX_STATUS: "TX_STATUS",
};

/**
 * Extra preprocessor conditions for names the socket module exports only on
 * some systems even when a header defines them (CPython exports
 * TCP_KEEPALIVE only on macOS, where it means TCP_KEEPIDLE).
 */
const NAME_GUARD: Readonly<Record<string, string>> = {
  AF_BLUETOOTH: "defined(PROBE_HAVE_BLUETOOTH_BLUETOOTH_H)",
  SOL_BLUETOOTH: "defined(PROBE_HAVE_BLUETOOTH_BLUETOOTH_H)",
  TCP_KEEPALIVE: "defined(__APPLE__)",
  // macOS 15's sys/socket.h defines AF_VSOCK; CPython exports it with <linux/vm_sockets.h>.
  AF_VSOCK: "defined(PROBE_HAVE_LINUX_VM_SOCKETS_H)",
};

/**
 * Values of names whose header the compiler at hand lacks, though the platform's own
 * SDK has it: Zig's copy of Apple's SDK leaves out `sys/sys_domain.h` and
 * `net/ethernet.h`, which CPython's build on a Mac includes. Each value is an ABI
 * number fixed once assigned, taken from the `source` named; each applies only when
 * `when` holds and the name is undefined, and the generated table lists the ones it used.
 */
const NO_SYS_DOMAIN_H = "defined(__APPLE__) && !defined(PROBE_HAVE_SYS_SYS_DOMAIN_H)";
const NO_NET_ETHERNET_H = "defined(__APPLE__) && !defined(PROBE_HAVE_NET_ETHERNET_H)";
const HEADER_DEFAULTS: readonly { name: string; value: number; when: string; source: string }[] = [
  { name: "SYSPROTO_CONTROL", value: 2, when: NO_SYS_DOMAIN_H, source: "XNU bsd/sys/sys_domain.h" },
  {
    name: "ETHERTYPE_ARP",
    value: 0x0806,
    when: NO_NET_ETHERNET_H,
    source: "XNU bsd/net/ethernet.h",
  },
  {
    name: "ETHERTYPE_IP",
    value: 0x0800,
    when: NO_NET_ETHERNET_H,
    source: "XNU bsd/net/ethernet.h",
  },
  {
    name: "ETHERTYPE_IPV6",
    value: 0x86dd,
    when: NO_NET_ETHERNET_H,
    source: "XNU bsd/net/ethernet.h",
  },
  {
    name: "AF_HYPERV",
    value: 34,
    when: "defined(_WIN32)",
    source: "Windows SDK 10.0.18362+ shared/ws2def.h",
  },
  {
    name: "ETHERTYPE_VLAN",
    value: 0x8100,
    when: NO_NET_ETHERNET_H,
    source: "XNU bsd/net/ethernet.h",
  },
];

/**
 * Values the socket module itself supplies when a header it uses is too old
 * to define them (CPython does the same, under the same condition): they are
 * kernel ABI numbers, fixed once assigned. Each applies only when `when`
 * holds and the headers leave the name undefined.
 */
const MODULE_DEFAULTS: readonly { name: string; value: number; when: string }[] = [
  { name: "ALG_OP_SIGN", value: 2, when: "defined(PROBE_HAVE_LINUX_IF_ALG_H)" },
  { name: "ALG_OP_VERIFY", value: 3, when: "defined(PROBE_HAVE_LINUX_IF_ALG_H)" },
  { name: "ALG_SET_AEAD_ASSOCLEN", value: 4, when: "defined(PROBE_HAVE_LINUX_IF_ALG_H)" },
  { name: "ALG_SET_AEAD_AUTHSIZE", value: 5, when: "defined(PROBE_HAVE_LINUX_IF_ALG_H)" },
  { name: "ALG_SET_PUBKEY", value: 6, when: "defined(PROBE_HAVE_LINUX_IF_ALG_H)" },
  { name: "UDPLITE_RECV_CSCOV", value: 11, when: "defined(IPPROTO_UDPLITE)" },
  { name: "UDPLITE_SEND_CSCOV", value: 10, when: "defined(IPPROTO_UDPLITE)" },
  // Exported everywhere, with these values where the headers lack them (macOS).
  { name: "SOL_IP", value: 0, when: "1" },
  { name: "SOL_TCP", value: 6, when: "1" },
  { name: "SOL_UDP", value: 17, when: "1" },
];

/** Internal constants the implementation needs (not socket-module names). */
// deno-fmt-ignore
const SYS_NAMES: readonly string[] = [
  "AT_FDCWD", "CLOCK_MONOTONIC", "EFD_CLOEXEC", "EFD_NONBLOCK", "EPOLLERR", "EPOLLET", "EPOLLHUP",
  "EPOLLIN", "EPOLLONESHOT", "EPOLLOUT", "EPOLLRDHUP", "EPOLL_CLOEXEC", "EPOLL_CTL_ADD",
  "EPOLL_CTL_DEL", "EPOLL_CTL_MOD", "FD_CLOEXEC", "F_DUPFD_CLOEXEC", "F_GETFD", "F_GETFL",
  "F_SETFD", "F_SETFL", "HOST_NOT_FOUND", "IF_NAMESIZE", "INET6_ADDRSTRLEN", "INET_ADDRSTRLEN",
  "IOV_MAX", "MSG_NOSIGNAL", "NI_MAXHOST", "NI_MAXSERV", "NO_ADDRESS", "NO_DATA", "NO_RECOVERY",
  "O_CLOEXEC", "O_NONBLOCK", "O_RDONLY", "POLLERR", "POLLHUP", "POLLIN", "POLLNVAL", "POLLOUT",
  "POLLPRI", "POLLRDHUP", "RLIMIT_NOFILE", "SCM_CREDENTIALS", "SCM_RIGHTS", "SEEK_END",
  "SEEK_SET", "SIGALRM", "SIGINT", "SIGPIPE", "SIGUSR1", "SIOCGIFINDEX", "SIOCGIFNAME",
  "SOCK_CLOEXEC", "SOCK_NONBLOCK", "SOL_SOCKET", "SO_DOMAIN", "SO_NOSIGPIPE", "SO_PROTOCOL",
  "SO_TYPE", "TRY_AGAIN", "UIO_MAXIOV",
  // kqueue (macOS, the BSDs)
  "EVFILT_READ", "EVFILT_USER", "EVFILT_WRITE", "EV_ADD", "EV_CLEAR", "EV_DELETE", "EV_DISABLE",
  "EV_ENABLE", "EV_EOF", "EV_ERROR", "EV_ONESHOT", "EV_RECEIPT", "NOTE_FFNOP", "NOTE_TRIGGER",
];

/** Struct specs the POSIX and Winsock lists share (see {@link StructSpec}). */
const COMMON: Readonly<Record<string, StructSpec>> = {
  sockaddr_in: { name: "sockaddr_in", fields: ["sin_family", "sin_port", "sin_addr"] },
  sockaddr_in6: {
    name: "sockaddr_in6",
    fields: ["sin6_family", "sin6_port", "sin6_flowinfo", "sin6_addr", "sin6_scope_id"],
  },
  sockaddr_un: { name: "sockaddr_un", fields: ["sun_family", "sun_path+"] },
  sockaddr_storage: { name: "sockaddr_storage", fields: ["ss_family"] },
  addrinfo: {
    name: "addrinfo",
    fields: [
      "ai_flags",
      "ai_family",
      "ai_socktype",
      "ai_protocol",
      "ai_addrlen+",
      "ai_addr",
      "ai_canonname",
      "ai_next",
    ],
  },
  hostent: {
    name: "hostent",
    fields: ["h_name", "h_aliases", "h_addrtype", "h_length", "h_addr_list"],
  },
  servent: { name: "servent", fields: ["s_name", "s_aliases", "s_port", "s_proto"] },
  protoent: { name: "protoent", fields: ["p_name", "p_aliases", "p_proto"] },
  ip_mreq: { name: "ip_mreq", fields: ["imr_multiaddr", "imr_interface"] },
  ipv6_mreq: { name: "ipv6_mreq", fields: ["ipv6mr_multiaddr", "ipv6mr_interface"] },
};

/** The sizes of C types every target records. */
const SIZEOF_EXPRESSIONS: readonly ProbeSpec[] = [
  { key: "SIZEOF_POINTER", expr: "sizeof(void *)" },
  { key: "SIZEOF_SIZE_T", expr: "sizeof(size_t)" },
  { key: "SIZEOF_SOCKLEN_T", expr: "sizeof(socklen_t)" },
  { key: "SIZEOF_INT", expr: "sizeof(int)" },
  { key: "SIZEOF_LONG", expr: "sizeof(long)" },
];

/** Internal values computed by C expressions rather than named by a macro. */
const SYS_EXPRESSIONS: readonly ProbeSpec[] = [
  ...SIZEOF_EXPRESSIONS,
  // The boundary CMSG_ALIGN rounds up to. CMSG_ALIGN is not POSIX (macOS
  // lacks it); CMSG_SPACE(1) - CMSG_SPACE(0) is the same number.
  { key: "CMSG_ALIGN_TO", expr: "CMSG_ALIGN(1)", guard: "defined(CMSG_ALIGN)" },
  {
    key: "CMSG_ALIGN_TO",
    expr: "(CMSG_SPACE(1) - CMSG_SPACE(0))",
    guard: "!defined(CMSG_ALIGN)",
  },
  { key: "CMSG_HDR_LEN", expr: "CMSG_LEN(0)" },
];

// ---------------------------------------------------------------------------
// Windows (Winsock 2, as mingw-w64's headers give it)
// ---------------------------------------------------------------------------

/** The headers CPython's socket module includes on Windows. */
const WINDOWS_BASE_HEADERS: readonly string[] = [
  "stddef.h",
  "stdio.h",
  "limits.h",
  "errno.h",
  "winsock2.h",
  "ws2tcpip.h",
  "mswsock.h",
  "mstcpip.h",
  "afunix.h",
];

/** Optional Windows headers (Hyper-V sockets). */
const WINDOWS_OPTIONAL_HEADERS: readonly OptionalHeader[] = [{ header: "hvsocket.h" }];

/**
 * CPython's Windows spelling of socket-module names: `SHUT_RD` is `SD_RECEIVE` there, and
 * socket.EWOULDBLOCK is errno's, Winsock's (see {@link WSA_PREFERRED}).
 */
const WINDOWS_EXPRESSION: Readonly<Record<string, string>> = {
  EWOULDBLOCK: "WSAEWOULDBLOCK",
  SHUT_RD: "SD_RECEIVE",
  SHUT_WR: "SD_SEND",
  SHUT_RDWR: "SD_BOTH",
};

/** Internal Winsock constants a Windows backend needs. */
// deno-fmt-ignore
const WINDOWS_SYS_NAMES: readonly string[] = [
  "FIONBIO", "FIONREAD", "HANDLE_FLAG_INHERIT", "MSG_DONTROUTE", "MSG_OOB", "MSG_PEEK",
  "MSG_WAITALL", "POLLERR", "POLLHUP", "POLLIN", "POLLNVAL", "POLLOUT", "POLLPRI", "POLLRDNORM",
  "POLLWRNORM", "SD_BOTH", "SD_RECEIVE", "SD_SEND", "SIO_GET_EXTENSION_FUNCTION_POINTER",
  "SOCKET_ERROR", "SOL_SOCKET", "SO_ERROR", "SO_TYPE", "SO_PROTOCOL_INFOW", "WSA_FLAG_OVERLAPPED",
  "WSA_FLAG_NO_HANDLE_INHERIT", "WSADESCRIPTION_LEN", "WSASYS_STATUS_LEN",
];

/** Winsock values computed by C expressions. */
const WINDOWS_SYS_EXPRESSIONS: readonly ProbeSpec[] = [
  ...SIZEOF_EXPRESSIONS,
  // SOCKET is a UINT_PTR; INVALID_SOCKET (all ones) is recorded as the signed -1.
  { key: "SIZEOF_SOCKET", expr: "sizeof(SOCKET)" },
  { key: "INVALID_SOCKET", expr: "(long long)(INT_PTR)INVALID_SOCKET" },
  { key: "CMSG_ALIGN_TO", expr: "(WSA_CMSG_SPACE(1) - WSA_CMSG_SPACE(0))" },
  { key: "CMSG_HDR_LEN", expr: "WSA_CMSG_LEN(0)" },
];

/** The Winsock structs whose layouts go into the Windows table (keys as in types.ts). */
const WINDOWS_STRUCTS: readonly StructSpec[] = [
  { name: "sockaddr", fields: ["sa_family+"] },
  COMMON.sockaddr_in,
  COMMON.sockaddr_in6,
  COMMON.sockaddr_un,
  COMMON.sockaddr_storage,
  {
    name: "WSAMSG",
    type: "WSAMSG",
    fields: ["name", "namelen+", "lpBuffers", "dwBufferCount+", "Control", "dwFlags"],
  },
  { name: "WSABUF", type: "WSABUF", fields: ["len+", "buf"] },
  { name: "cmsghdr", type: "WSACMSGHDR", fields: ["cmsg_len+", "cmsg_level", "cmsg_type"] },
  COMMON.addrinfo,
  COMMON.hostent,
  COMMON.servent,
  COMMON.protoent,
  { name: "pollfd", type: "WSAPOLLFD", fields: ["fd+", "events+", "revents+"] },
  { name: "linger", fields: ["l_onoff+", "l_linger+"] },
  { name: "timeval", fields: ["tv_sec+", "tv_usec+"] },
  { name: "in_pktinfo", type: "IN_PKTINFO", fields: ["ipi_addr", "ipi_ifindex"] },
  { name: "in6_pktinfo", type: "IN6_PKTINFO", fields: ["ipi6_addr", "ipi6_ifindex"] },
  COMMON.ip_mreq,
  COMMON.ipv6_mreq,
  { name: "tcp_keepalive", fields: ["onoff", "keepalivetime", "keepaliveinterval"] },
];

/**
 * Errno names that Windows' C runtime defines (VS2010's <errno.h>, and mingw-w64's) but
 * for which CPython's errno module exports the Winsock value (WSAE<name>) instead:
 * Modules/errnomodule.c undefines them. Every other E name is the C runtime's where it
 * has one, else Winsock's (EDQUOT, ESHUTDOWN, ...).
 */
// deno-fmt-ignore
const WSA_PREFERRED: ReadonlySet<string> = new Set([
  "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EALREADY", "ECONNABORTED", "ECONNREFUSED",
  "ECONNRESET", "EDESTADDRREQ", "EHOSTUNREACH", "EINPROGRESS", "EISCONN", "ELOOP", "EMSGSIZE",
  "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENOBUFS", "ENOPROTOOPT", "ENOTCONN", "ENOTSOCK",
  "EOPNOTSUPP", "EPROTONOSUPPORT", "EPROTOTYPE", "ETIMEDOUT", "EWOULDBLOCK",
]);

/** What is probed, by target family: POSIX (Linux, macOS, the BSDs) or Windows. */
interface Target {
  windows: boolean;
  baseHeaders: readonly string[];
  optionalHeaders: readonly OptionalHeader[];
  sysNames: readonly string[];
  sysExpressions: readonly ProbeSpec[];
  structs: readonly StructSpec[];
  /** C expressions of socket-module names that differ from the name (beyond C_EXPRESSION). */
  expressions: Readonly<Record<string, string>>;
}

function targetOf(windows: boolean): Target {
  return windows
    ? {
      windows,
      baseHeaders: WINDOWS_BASE_HEADERS,
      optionalHeaders: WINDOWS_OPTIONAL_HEADERS,
      sysNames: WINDOWS_SYS_NAMES,
      sysExpressions: WINDOWS_SYS_EXPRESSIONS,
      structs: WINDOWS_STRUCTS,
      expressions: WINDOWS_EXPRESSION,
    }
    : {
      windows,
      baseHeaders: BASE_HEADERS,
      optionalHeaders: OPTIONAL_HEADERS,
      sysNames: SYS_NAMES,
      sysExpressions: SYS_EXPRESSIONS,
      structs: STRUCTS,
      expressions: {},
    };
}

/**
 * A struct whose layout the implementation reads: `fields` get their offset;
 * a field name ending in `+` also gets its size (key `field$size`).
 */
interface StructSpec {
  /** Key in the table, the C struct tag (`struct <name>`) unless `type` is set. */
  name: string;
  /** C type when it is not `struct <name>`. */
  type?: string;
  /** Preprocessor condition under which the struct exists. */
  guard?: string;
  /** Fields present everywhere the struct is. */
  fields: readonly string[];
  /** Fields present only under a preprocessor condition. */
  optionalFields?: Readonly<Record<string, readonly string[]>>;
}

const LINUX = "defined(__linux__)";
const BSD_SA_LEN = "defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || " +
  "defined(__OpenBSD__) || defined(__DragonFly__)";

/** The structs whose layouts go into the table. */
const STRUCTS: readonly StructSpec[] = [
  {
    name: "sockaddr",
    fields: ["sa_family+"],
    optionalFields: { [BSD_SA_LEN]: ["sa_len+"] },
  },
  COMMON.sockaddr_in,
  COMMON.sockaddr_in6,
  COMMON.sockaddr_un,
  COMMON.sockaddr_storage,
  {
    name: "sockaddr_nl",
    guard: "defined(PROBE_HAVE_LINUX_NETLINK_H)",
    fields: ["nl_family", "nl_pid", "nl_groups"],
  },
  {
    name: "sockaddr_ll",
    guard: "defined(PROBE_HAVE_LINUX_IF_PACKET_H)",
    fields: [
      "sll_family",
      "sll_protocol",
      "sll_ifindex",
      "sll_hatype",
      "sll_pkttype",
      "sll_halen",
      "sll_addr+",
    ],
  },
  {
    name: "sockaddr_can",
    guard: "defined(PROBE_HAVE_LINUX_CAN_H)",
    fields: ["can_family", "can_ifindex", "can_addr+"],
  },
  {
    name: "sockaddr_vm",
    guard: "defined(PROBE_HAVE_LINUX_VM_SOCKETS_H)",
    fields: ["svm_family", "svm_reserved1", "svm_port", "svm_cid"],
  },
  {
    name: "sockaddr_alg",
    guard: "defined(PROBE_HAVE_LINUX_IF_ALG_H)",
    fields: ["salg_family", "salg_type+", "salg_feat", "salg_mask", "salg_name+"],
  },
  {
    name: "sockaddr_tipc",
    guard: "defined(PROBE_HAVE_LINUX_TIPC_H)",
    fields: ["family", "addrtype", "scope", "addr+"],
  },
  {
    name: "sockaddr_qrtr",
    guard: "defined(PROBE_HAVE_LINUX_QRTR_H)",
    fields: ["sq_family", "sq_node", "sq_port"],
  },
  {
    name: "msghdr",
    fields: [
      "msg_name",
      "msg_namelen+",
      "msg_iov",
      "msg_iovlen+",
      "msg_control",
      "msg_controllen+",
      "msg_flags",
    ],
  },
  { name: "cmsghdr", fields: ["cmsg_len+", "cmsg_level", "cmsg_type"] },
  { name: "iovec", fields: ["iov_base", "iov_len+"] },
  COMMON.addrinfo,
  COMMON.hostent,
  COMMON.servent,
  COMMON.protoent,
  { name: "if_nameindex", fields: ["if_index", "if_name"] },
  { name: "pollfd", fields: ["fd", "events+", "revents+"] },
  { name: "linger", fields: ["l_onoff", "l_linger"] },
  { name: "timeval", fields: ["tv_sec+", "tv_usec+"] },
  { name: "ucred", guard: LINUX, fields: ["pid", "uid", "gid"] },
  // Packed on x86_64, not on aarch64: the offset of `data` says which.
  { name: "epoll_event", guard: "defined(PROBE_HAVE_SYS_EPOLL_H)", fields: ["events", "data+"] },
  { name: "in_pktinfo", guard: LINUX, fields: ["ipi_ifindex", "ipi_spec_dst", "ipi_addr"] },
  { name: "in6_pktinfo", fields: ["ipi6_addr", "ipi6_ifindex"] },
  COMMON.ip_mreq,
  { name: "ip_mreqn", guard: LINUX, fields: ["imr_multiaddr", "imr_address", "imr_ifindex"] },
  COMMON.ipv6_mreq,
  { name: "rlimit", fields: ["rlim_cur+", "rlim_max+"] },
  // macOS: 32 bytes, #pragma pack(4) on both architectures.
  {
    name: "kevent",
    guard: "defined(PROBE_HAVE_SYS_EVENT_H)",
    fields: ["ident+", "filter+", "flags+", "fflags+", "data+", "udata+"],
  },
  { name: "stat", fields: ["st_size+", "st_mode+"] },
];

/** Headers every supported platform has (POSIX plus the BSD socket API). */
const BASE_HEADERS: readonly string[] = [
  "stddef.h",
  "stdio.h",
  "limits.h",
  "errno.h",
  "fcntl.h",
  "signal.h",
  "time.h",
  "unistd.h",
  "poll.h",
  "sys/types.h",
  "sys/socket.h",
  "sys/stat.h",
  "sys/uio.h",
  "sys/ioctl.h",
  "sys/resource.h",
  "sys/un.h",
  "netinet/in.h",
  "netinet/tcp.h",
  "arpa/inet.h",
  "netdb.h",
  "net/if.h",
];

/**
 * Headers included when they exist and compile together with the base ones,
 * in this order. `linux: true` ones are only tried when the target is Linux.
 */
const OPTIONAL_HEADERS: readonly OptionalHeader[] = [
  { header: "netinet/udp.h" },
  { header: "net/ethernet.h" },
  { header: "sys/epoll.h", linux: true },
  { header: "sys/eventfd.h", linux: true },
  { header: "linux/sockios.h", linux: true },
  { header: "linux/netlink.h", linux: true },
  { header: "linux/if_packet.h", linux: true },
  { header: "linux/if_ether.h", linux: true },
  { header: "linux/can.h", linux: true },
  { header: "linux/can/raw.h", linux: true },
  { header: "linux/can/bcm.h", linux: true },
  { header: "linux/can/isotp.h", linux: true },
  { header: "linux/can/j1939.h", linux: true },
  { header: "linux/tipc.h", linux: true },
  { header: "linux/vm_sockets.h", linux: true },
  { header: "linux/if_alg.h", linux: true },
  { header: "linux/rds.h", linux: true },
  { header: "linux/qrtr.h", linux: true },
  { header: "bluetooth/bluetooth.h" },
  { header: "bluetooth/hci.h" },
  { header: "bluetooth/l2cap.h" },
  { header: "bluetooth/rfcomm.h" },
  { header: "bluetooth/sco.h" },
  { header: "sys/sys_domain.h" },
  { header: "sys/kern_control.h" },
  { header: "sys/ucred.h" },
  { header: "sys/event.h" },
];

/** A header included when it exists and compiles; `linux`: tried only when the target is Linux. */
interface OptionalHeader {
  header: string;
  linux?: boolean;
}

/** Feature macros set before any header, as CPython's build does. */
const FEATURE_MACROS = `#define _GNU_SOURCE 1
#define _DEFAULT_SOURCE 1
#ifdef __APPLE__
#define __APPLE_USE_RFC_3542 1
#define _DARWIN_C_SOURCE 1
#endif
#ifndef __has_include
#define __has_include(x) 0
#endif
`;

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

type Section = "constants" | "errno" | "sys" | "layouts";

/** How the values get out of the compiler (see the module notes). */
type ProbeMode = "run" | "asm";

/** One value the probe prints: `key = expr` when `guard` holds. */
interface ProbeSpec {
  key: string;
  expr: string;
  guard?: string;
}

/** A probe line: a spec in a section, with how to treat a failure. */
interface ProbeEntry extends ProbeSpec {
  section: Section;
  /** The value is computed at run time (not an integer constant expression). */
  runtime?: boolean;
  /** Dropping this entry on a compile error is expected (a candidate name). */
  optional: boolean;
  /** The same value as an integer constant expression, for the asm mode (when `runtime`). */
  constExpr?: string;
}

/** The generated table, before it is printed as TypeScript. */
interface Table {
  platform: string;
  constants: Record<string, number>;
  errno: Record<string, number>;
  sys: Record<string, number>;
  layouts: Record<string, Record<string, number>>;
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

interface Options {
  /** The compiler command and its leading arguments (`CC`, split on spaces). */
  cc: string[];
  /** Prefix for running the probe, e.g. an emulator for a cross build (`RUNNER`). */
  runner: string[];
  /** Platform id override (`PLATFORM`). */
  platform?: string;
  /** `run`: build and run the probe; `asm`: read the values from its assembly (`PROBE_MODE`). */
  mode: ProbeMode;
  /** Where the committed tables live (`constants/`). */
  constantsDir: string;
  /** Where to write the generated files (`--out` / `GEN_CONSTANTS_OUT`, default `constants/`). */
  outDir: string;
}

function words(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((word) => word !== "");
}

function parseOptions(args: readonly string[]): Options {
  const constantsDir = new URL("../constants", import.meta.url).pathname;
  let outDir = Deno.env.get("GEN_CONSTANTS_OUT") || constantsDir;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--out" && i + 1 < args.length) outDir = args[++i];
    else if (arg.startsWith("--out=")) outDir = arg.slice("--out=".length);
    else throw new Error(`gen_constants: unknown argument ${arg} (usage: [--out DIR])`);
  }
  const cc = words(Deno.env.get("CC"));
  const mode = Deno.env.get("PROBE_MODE") || "run";
  if (mode !== "run" && mode !== "asm") {
    throw new Error(`gen_constants: PROBE_MODE must be run or asm, not ${mode}`);
  }
  return {
    mode,
    cc: cc.length > 0 ? cc : ["cc"],
    runner: words(Deno.env.get("RUNNER")),
    platform: Deno.env.get("PLATFORM") || undefined,
    constantsDir,
    outDir,
  };
}

// ---------------------------------------------------------------------------
// Running the compiler
// ---------------------------------------------------------------------------

interface RunResult {
  success: boolean;
  stdout: string;
  stderr: string;
}

async function run(command: readonly string[]): Promise<RunResult> {
  const [program, ...args] = command;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (cause) {
    throw new Error(`gen_constants: cannot run ${program}`, { cause });
  }
  const decoder = new TextDecoder();
  return {
    success: output.success,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The system compiler, working in a scratch directory. */
class Compiler {
  #cc: readonly string[];
  #dir: string;
  #count = 0;
  /** Extra flags that lift the compiler's error limit (set once clang is known). */
  errorFlags: string[] = [];
  /** Whether the probe is run or read from its assembly. */
  readonly mode: ProbeMode;

  constructor(cc: readonly string[], dir: string, mode: ProbeMode) {
    this.#cc = cc;
    this.#dir = dir;
    this.mode = mode;
  }

  /** A fresh path for a C file in the scratch directory. */
  file(stem: string): string {
    return `${this.#dir}/${stem}_${this.#count++}.c`;
  }

  /**
   * The first line of `cc --version`; for Zig, its own version and the `zig cc` arguments
   * too (the SDK headers are Zig's), without the path of the `zig` binary.
   */
  async version(): Promise<string> {
    const result = await run([...this.#cc, "--version"]);
    if (!result.success) throw new Error(`gen_constants: ${this.#cc.join(" ")} --version failed`);
    const first = result.stdout.split("\n")[0].trim();
    const [program, ...args] = this.#cc;
    if (program.slice(program.lastIndexOf("/") + 1) !== "zig") return first;
    const zig = await run([program, "version"]);
    if (!zig.success) throw new Error(`gen_constants: ${program} version failed`);
    const clang = first.replace(/ \(.*\)$/, "").replace(" version", ""); // "clang 19.1.0"
    return `zig ${zig.stdout.trim()} (${clang}), \`zig ${args.join(" ")}\``;
  }

  /** Every macro defined after preprocessing `source`: name -> replacement text. */
  async macros(source: string): Promise<Map<string, string>> {
    const path = this.file("macros");
    await Deno.writeTextFile(path, source);
    const result = await run([...this.#cc, "-dM", "-E", path]);
    if (!result.success) throw new Error(`gen_constants: preprocessing failed:\n${result.stderr}`);
    const macros = new Map<string, string>();
    for (const line of result.stdout.split("\n")) {
      const match = /^#define ([A-Za-z_][A-Za-z0-9_]*)(?:\s+(.*))?$/.exec(line);
      if (match) macros.set(match[1], match[2] ?? "");
    }
    return macros;
  }

  /**
   * Type-checks `source` (writes it to `path`); returns the diagnostics. In asm mode it
   * compiles to assembly instead (Zig 0.11's `-fsyntax-only` fails on good files, and
   * only code generation rejects an initializer that is not a constant).
   */
  async check(path: string, source: string): Promise<RunResult> {
    await Deno.writeTextFile(path, source);
    const how = this.mode === "asm"
      ? ["-S", "-g0", "-o", path.replace(/\.c$/, ".s")]
      : ["-fsyntax-only"];
    return await run([...this.#cc, ...how, "-w", ...this.errorFlags, path]);
  }

  /**
   * The probe's values: the output of the program built from `source` and run (through
   * `runner`), or, in asm mode, the same lines read from its assembly.
   */
  async values(
    source: string,
    entries: readonly ProbeEntry[],
    runner: readonly string[],
  ): Promise<string> {
    if (this.mode === "asm") return readAssembly(await this.assemble(source), entries);
    const result = await run([...runner, await this.build(source)]);
    if (!result.success) throw new Error(`gen_constants: the probe failed:\n${result.stderr}`);
    return result.stdout;
  }

  /** Compiles `source` to assembly (`-S`, no debug info); returns the assembly text. */
  async assemble(source: string): Promise<string> {
    const path = this.file("probe");
    const out = path.replace(/\.c$/, ".s");
    await Deno.writeTextFile(path, source);
    const result = await run([...this.#cc, "-S", "-g0", "-w", "-o", out, path]);
    if (!result.success) {
      throw new Error(`gen_constants: compiling the probe failed:\n${result.stderr}`);
    }
    return await Deno.readTextFile(out);
  }

  /** Compiles and links `source` into an executable; returns its path. */
  async build(source: string): Promise<string> {
    const path = this.file("probe");
    const exe = path.replace(/\.c$/, "");
    await Deno.writeTextFile(path, source);
    const result = await run([...this.#cc, "-w", "-o", exe, path]);
    if (!result.success) {
      throw new Error(`gen_constants: building the probe failed:\n${result.stderr}`);
    }
    return exe;
  }
}

// ---------------------------------------------------------------------------
// The C side
// ---------------------------------------------------------------------------

/** The macro a usable optional header defines in the prelude: PROBE_HAVE_LINUX_CAN_H. */
function haveMacro(header: string): string {
  return "PROBE_HAVE_" + header.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function includeLines(headers: readonly string[]): string {
  return headers.map((header) => `#include <${header}>\n`).join("");
}

/** The macro the prelude defines when it supplies `name` from {@link HEADER_DEFAULTS}. */
function defaultedMacro(name: string): string {
  return `PROBE_DEFAULTED_${name}`;
}

/** The probe's head: feature macros, the base headers, then the usable optional ones. */
function prelude(target: Target, optional: readonly OptionalHeader[]): string {
  let text = FEATURE_MACROS + includeLines(target.baseHeaders);
  for (const { header, linux } of optional) {
    const include = `#if __has_include(<${header}>)\n#include <${header}>\n` +
      `#define ${haveMacro(header)} 1\n#endif\n`;
    text += linux ? `#ifdef __linux__\n${include}#endif\n` : include;
  }
  for (const { name, value, when } of MODULE_DEFAULTS) {
    text += `#if (${when}) && !defined(${name})\n#define ${name} ${value}\n#endif\n`;
  }
  for (const { name, value, when } of HEADER_DEFAULTS) {
    text += `#if (${when}) && !defined(${name})\n#define ${name} ${value}\n` +
      `#define ${defaultedMacro(name)} 1\n#endif\n`;
  }
  return text;
}

/**
 * The optional headers that exist and compile after the base ones. Each is
 * tried alone, in parallel: a missing header or one that clashes with the C
 * library's (a known problem of some linux/*.h under musl) is left out.
 */
async function usableHeaders(
  compiler: Compiler,
  target: Target,
  isLinux: boolean,
): Promise<OptionalHeader[]> {
  const tried = target.optionalHeaders.filter(({ linux }) => !linux || isLinux);
  const ok = await Promise.all(tried.map(async ({ header }) => {
    const source = FEATURE_MACROS + includeLines(target.baseHeaders) + includeLines([header]);
    return (await compiler.check(compiler.file("header"), source)).success;
  }));
  return tried.filter((_, i) => ok[i]);
}

/** C helpers of the probe program. */
const PROBE_HELPERS = `
/* Prints one value, signed if negative, else unsigned (INADDR_NONE is 4294967295). */
#define PROBE_PRINT(section, key, value) \\
  ((value) < 0 ? printf("%s %s %lld\\n", section, key, (long long)(value)) \\
               : printf("%s %s %llu\\n", section, key, (unsigned long long)(value)))
/* The case label rejects anything that is not an integer constant expression. */
#define PROBE(section, key, value) \\
  do { \\
    switch ((unsigned long long)0) { case (value): default: break; } \\
    PROBE_PRINT(section, key, value); \\
  } while (0)
/* A value only known at run time. */
#define PROBE_RUNTIME(section, key, value) PROBE_PRINT(section, key, value)

/* How far CMSG_DATA is from the start of its cmsghdr. */
static long probe_cmsg_data_offset(void) {
  union { struct cmsghdr header; unsigned char bytes[256]; } buffer;
  return (long)((unsigned char *)CMSG_DATA(&buffer.header) - (unsigned char *)&buffer.header);
}
`;

/**
 * The asm mode's helpers. Each value is `probe_<index>[2]`: the value as a long long and
 * whether it is negative (an unsigned value above LLONG_MAX reads back negative).
 */
const ASM_PROBE_HELPERS = `
/* CMSG_DATA's offset, as an address difference within one object: a constant. */
#ifndef _WIN32
static union { struct cmsghdr header; unsigned char bytes[256]; } probe_cmsg_buffer;
#endif
`;

/** CMSG_DATA's offset as an initializer (asm mode). */
const CMSG_DATA_CONSTANT =
  "((unsigned char *)CMSG_DATA(&probe_cmsg_buffer.header) - probe_cmsg_buffer.bytes)";

/** The probe program and, for each of its lines, the entry it prints (if any). */
function renderProbe(head: string, entries: readonly ProbeEntry[], mode: ProbeMode) {
  const asm = mode === "asm";
  const lines = (head + (asm ? ASM_PROBE_HELPERS : PROBE_HELPERS)).split("\n");
  const owner = new Map<number, number>();
  if (!asm) lines.push("int main(void) {");
  entries.forEach((entry, index) => {
    if (entry.guard) lines.push(`#if ${entry.guard}`);
    if (asm) {
      const expr = entry.constExpr ?? entry.expr;
      lines.push(`const long long probe_${index}[2] = {(long long)(${expr}), (${expr}) < 0};`);
    } else {
      const macro = entry.runtime ? "PROBE_RUNTIME" : "PROBE";
      lines.push(`  ${macro}("${entry.section}", "${entry.key}", ${entry.expr});`);
    }
    owner.set(lines.length, index); // 1-based number of the line just pushed
    if (entry.guard) lines.push("#endif");
  });
  if (!asm) lines.push("  return 0;", "}");
  lines.push("");
  return { source: lines.join("\n"), owner };
}

/** Bytes of each data directive of the assemblers' dialects (GNU, LLVM for ELF, Mach-O, COFF). */
const DATA_DIRECTIVE = /^\s*\.(quad|xword|8byte|zero|space|skip)\s+(-?(?:0x[0-9a-fA-F]+|\d+))/;

/**
 * The probe's values read back from its assembly, as the lines the run mode's program
 * prints (`section key value`, in entry order). Each `probe_<index>` label is followed
 * by 16 bytes of data: `.quad`/`.xword`/`.8byte` values, or `.zero`/`.space` runs.
 */
function readAssembly(assembly: string, entries: readonly ProbeEntry[]): string {
  const values = new Map<number, bigint>();
  let index = -1;
  let words: bigint[] = [];
  let zeros = 0; // bytes of a zero run not yet counted as words
  for (const line of assembly.split("\n")) {
    const label = /^_?probe_(\d+):/.exec(line);
    if (label) {
      index = Number(label[1]);
      words = [];
      zeros = 0;
      continue;
    }
    if (index < 0) continue;
    const data = DATA_DIRECTIVE.exec(line);
    if (!data) continue;
    if (data[1] === "zero" || data[1] === "space" || data[1] === "skip") {
      zeros += Number(data[2]);
      while (zeros >= 8) {
        words.push(0n);
        zeros -= 8;
      }
    } else words.push(BigInt(data[2]));
    if (words.length === 2) {
      // Negative in C: keep the sign; else the long long's bits as unsigned.
      values.set(index, words[1] !== 0n ? words[0] : BigInt.asUintN(64, words[0]));
      index = -1;
    }
  }
  const out: string[] = [];
  entries.forEach((entry, i) => {
    const value = values.get(i);
    if (value !== undefined) out.push(`${entry.section} ${entry.key} ${value}\n`);
  });
  return out.join("");
}

/**
 * The entries (by index) that a failed compile blames: for each error in
 * `file`, the probe line it is on, or else the probe line of the macro
 * expansion notes that follow it. Null when an error cannot be placed on an
 * entry (a broken header, say): that is not a missing constant but a bug.
 */
function blamedEntries(stderr: string, file: string, owner: Map<number, number>) {
  const base = file.slice(file.lastIndexOf("/") + 1).replace(/[.]/g, "\\.");
  const located = new RegExp(`${base}:(\\d+):(?:\\d+:)? (fatal error|error|note)`);
  const blamed = new Set<number>();
  let pending = false; // an error not yet placed on an entry
  for (const line of stderr.split("\n")) {
    const match = located.exec(line);
    if (/(^|: )(fatal )?error/.test(line) && !match) {
      if (pending) return null;
      pending = true; // an error in a header: maybe placed by a note
      continue;
    }
    if (!match) continue;
    const index = owner.get(Number(match[1]));
    if (match[2] !== "note") {
      if (pending) return null;
      if (index === undefined) pending = true;
      else blamed.add(index);
    } else if (pending && index !== undefined) {
      blamed.add(index);
      pending = false;
    }
  }
  return pending ? null : blamed;
}

/**
 * Compiles the probe, dropping the entries the compiler rejects (undeclared
 * names, non-integer values), until it compiles. Returns the kept entries and
 * the final source.
 */
async function settleProbe(compiler: Compiler, head: string, entries: ProbeEntry[]) {
  for (let round = 1;; round++) {
    const { source, owner } = renderProbe(head, entries, compiler.mode);
    const path = compiler.file("check");
    const result = await compiler.check(path, source);
    if (result.success) return { entries, source };
    const blamed = blamedEntries(result.stderr, path, owner);
    if (blamed === null || blamed.size === 0 || round > 20) {
      throw new Error(`gen_constants: the probe does not compile (${path}):\n${result.stderr}`);
    }
    for (const index of blamed) {
      const entry = entries[index];
      if (!entry.optional) {
        console.warn(
          `gen_constants: warning: ${entry.section}.${entry.key} (${entry.expr}) dropped`,
        );
      }
    }
    entries = entries.filter((_, index) => !blamed.has(index));
  }
}

// ---------------------------------------------------------------------------
// What to probe
// ---------------------------------------------------------------------------

function and(...conditions: (string | undefined)[]): string | undefined {
  const present = conditions.filter((c): c is string => !!c);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : present.map((c) => `(${c})`).join(" && ");
}

/**
 * A named constant: under `#ifdef` when the headers define it as a macro,
 * else bare (an enum member, or nothing, in which case it is dropped).
 */
function named(
  section: Section,
  key: string,
  macros: ReadonlyMap<string, string>,
  expr = key,
  guard?: string,
): ProbeEntry {
  const isMacro = /^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) && macros.has(expr);
  return {
    section,
    key,
    expr,
    guard: and(isMacro ? `defined(${expr})` : undefined, guard),
    optional: true,
  };
}

function layoutEntries(spec: StructSpec, windows: boolean): ProbeEntry[] {
  const type = spec.type ?? `struct ${spec.name}`;
  const entry = (key: string, expr: string, guard?: string): ProbeEntry => ({
    section: "layouts",
    key: `${spec.name}.${key}`,
    expr,
    guard: and(spec.guard, guard),
    optional: false,
  });
  const fieldEntries = (field: string, guard?: string) => {
    const name = field.replace(/\+$/, "");
    const out = [entry(name, `offsetof(${type}, ${name})`, guard)];
    if (field.endsWith("+")) {
      out.push(entry(`${name}$size`, `sizeof(((${type} *)0)->${name})`, guard));
    }
    return out;
  };
  const entries = [entry("size", `sizeof(${type})`), entry("align", `_Alignof(${type})`)];
  for (const field of spec.fields) entries.push(...fieldEntries(field));
  for (const [guard, fields] of Object.entries(spec.optionalFields ?? {})) {
    for (const field of fields) entries.push(...fieldEntries(field, guard));
  }
  if (spec.name === "cmsghdr" && windows) {
    entries.push(entry(
      "cmsg_data",
      "((unsigned char *)WSA_CMSG_DATA((WSACMSGHDR *)0) - " +
        "(unsigned char *)0)",
    ));
  } else if (spec.name === "cmsghdr") {
    entries.push({
      ...entry("cmsg_data", "probe_cmsg_data_offset()"),
      runtime: true,
      constExpr: CMSG_DATA_CONSTANT,
    });
  }
  return entries;
}

function probeEntries(
  target: Target,
  macros: ReadonlyMap<string, string>,
  socketNames: readonly string[],
  errno: readonly ErrnoName[],
): ProbeEntry[] {
  const entries: ProbeEntry[] = [];
  for (const name of socketNames) {
    const expr = target.expressions[name] ?? C_EXPRESSION[name] ?? name;
    entries.push(named("constants", name, macros, expr, NAME_GUARD[name]));
  }
  for (const { name, expr } of errno) entries.push(named("errno", name, macros, expr));
  for (const name of target.sysNames) entries.push(named("sys", name, macros));
  for (const spec of target.sysExpressions) {
    entries.push({ section: "sys", ...spec, optional: false });
  }
  for (const spec of target.structs) entries.push(...layoutEntries(spec, target.windows));
  return entries;
}

/** An errno name and the C expression of its value. */
interface ErrnoName {
  name: string;
  expr: string;
}

/**
 * The `E*` names `<errno.h>` defines as object-like macros. On Windows, CPython's
 * choice (see {@link WSA_PREFERRED}): the Winsock value for the socket errors, and the
 * Winsock-only E names that some other platform's table knows (`known`).
 */
async function errnoNames(
  compiler: Compiler,
  target: Target,
  known: ReadonlySet<string>,
): Promise<ErrnoName[]> {
  const macros = await compiler.macros(FEATURE_MACROS + "#include <errno.h>\n");
  const crt = [...macros.keys()].filter((name) => /^E[A-Z0-9]+$/.test(name));
  if (!target.windows) return crt.sort(byCodeUnit).map((name) => ({ name, expr: name }));
  // Only names Python knows somewhere (mingw-w64 adds ENOFILE, which MSVC's CRT lacks).
  const names = new Set(crt.filter((name) => known.has(name)));
  const winsock = await compiler.macros(FEATURE_MACROS + "#include <winsock2.h>\n");
  for (const macro of winsock.keys()) {
    const name = macro.slice(3);
    if (/^WSAE[A-Z0-9]+$/.test(macro) && known.has(name)) names.add(name);
  }
  return [...names].sort(byCodeUnit).map((name) => ({
    name,
    expr: WSA_PREFERRED.has(name) || !macros.has(name) ? `WSA${name}` : name,
  }));
}

/** The int names of the `socket` module of the python3 at hand, if any. */
async function pythonSocketNames(): Promise<string[]> {
  const script = "import socket, json; print(json.dumps(sorted(k for k, v in " +
    "vars(socket).items() if not k.startswith('_') and isinstance(v, int) " +
    "and not isinstance(v, bool))))";
  try {
    const result = await run(["python3", "-c", script]);
    return result.success ? JSON.parse(result.stdout) : [];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------
// Platform
// ---------------------------------------------------------------------------

/** The platform id (`linux_x86_64_gnu`, `linux_aarch64_musl`, `darwin_aarch64`) from the compiler's macros. */
function detectPlatform(macros: ReadonlyMap<string, string>): string {
  const has = (name: string) => macros.has(name);
  const os = has("__linux__")
    ? "linux"
    : has("__APPLE__")
    ? "darwin"
    : has("__FreeBSD__")
    ? "freebsd"
    : has("_WIN32")
    ? "windows"
    : undefined;
  const arch = has("__x86_64__")
    ? "x86_64"
    : has("__aarch64__")
    ? "aarch64"
    : has("__riscv") && macros.get("__riscv_xlen") === "64"
    ? "riscv64"
    : has("__powerpc64__") && has("__LITTLE_ENDIAN__")
    ? "ppc64le"
    : has("__s390x__")
    ? "s390x"
    : has("__i386__")
    ? "x86"
    : has("__arm__")
    ? "arm"
    : undefined;
  if (!os || !arch) throw new Error("gen_constants: unknown target; set PLATFORM");
  if (os !== "linux") return `${os}_${arch}`;
  const libc = has("__GLIBC__") ? "gnu" : has("__BIONIC__") ? "android" : "musl";
  return `${os}_${arch}_${libc}`;
}

// ---------------------------------------------------------------------------
// Reading the probe's output
// ---------------------------------------------------------------------------

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseOutput(platform: string, stdout: string): Table {
  const table: Table = { platform, constants: {}, errno: {}, sys: {}, layouts: {} };
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const [section, key, text] = line.split(" ");
    const big = BigInt(text);
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Error(`gen_constants: ${key} = ${text} is not a safe JavaScript integer`);
    }
    const value = Number(big);
    if (section === "layouts") {
      const [struct, field] = key.split(".");
      (table.layouts[struct] ??= {})[field] = value;
    } else {
      table[section as Exclude<Section, "layouts">][key] = value;
    }
  }
  return table;
}

// ---------------------------------------------------------------------------
// Writing TypeScript
// ---------------------------------------------------------------------------

function sortedRecord(record: Readonly<Record<string, number>>, indent: string): string {
  const keys = Object.keys(record).sort(byCodeUnit);
  return `{\n${keys.map((key) => `${indent}  ${key}: ${record[key]},\n`).join("")}${indent}}`;
}

/** A struct's layout: size and align first, then the fields as declared. */
function layoutRecord(layout: Readonly<Record<string, number>>, indent: string): string {
  const keys = Object.keys(layout); // insertion order = probe order
  return `{\n${keys.map((key) => `${indent}  ${key}: ${layout[key]},\n`).join("")}${indent}}`;
}

function renderTable(
  table: Table,
  compilerVersion: string,
  defaulted: readonly { name: string; value: number; source: string }[],
): string {
  const structs = Object.keys(table.layouts).sort(byCodeUnit);
  const layouts = structs
    .map((name) => `    ${name}: ${layoutRecord(table.layouts[name], "    ")},\n`)
    .join("");
  const tableType = table.platform.startsWith("windows") ? "WindowsTable" : "PlatformTable";
  const defaults = defaulted.length === 0 ? "" : ` *
 * Not in these headers, so from the generator's documented defaults (HEADER_DEFAULTS):
${defaulted.map((d) => ` * ${d.name} = ${d.value} (${d.source})\n`).join("")}`;
  return `/**
 * Socket constants, errno values, internal constants and struct layouts of ${table.platform}.
 *
 * Generated by scripts/gen_constants.ts from the C headers of ${table.platform} with
 * ${compilerVersion}. Do not edit.
${defaults} *
 * @module
 */
import type { ${tableType} } from "./types.ts";

/** The constants and struct layouts of ${table.platform}, as its C headers define them. */
export const table: ${tableType} = {
  platform: "${table.platform}",
  constants: ${sortedRecord(table.constants, "  ")},
  errno: ${sortedRecord(table.errno, "  ")},
  sys: ${sortedRecord(table.sys, "  ")},
  layouts: {
${layouts}  },
};
`;
}

/** The address families typed by their address shape (names.ts's branded constants). */
const FAMILY_BRANDS: Readonly<Record<string, string>> = {
  AF_INET: `number & { readonly __family: "inet" }`,
  AF_INET6: `number & { readonly __family: "inet6" }`,
  AF_UNIX: `number & { readonly __family: "unix" }`,
};
/** What a constant is, by prefix (longest prefix wins), for its JSDoc sentence. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  AF_: "Address family",
  AI_: "getaddrinfo() flag",
  ALG_OP_: "AF_ALG (kernel crypto API) operation",
  ALG_SET_: "AF_ALG (kernel crypto API) socket option",
  BDADDR_: "Bluetooth address type",
  BTPROTO_: "Bluetooth protocol",
  BT_: "Bluetooth socket option or value",
  CAN_BCM: "CAN broadcast manager protocol",
  CAN_BCM_: "CAN broadcast manager opcode or flag",
  CAN_RAW_: "CAN raw socket option",
  CAN_: "CAN (Controller Area Network) constant",
  EAGAIN: "Error number",
  EAI_: "getaddrinfo()/getnameinfo() error code",
  EBADF: "Error number",
  ETHERTYPE_: "EtherType (IEEE 802.3 protocol number)",
  ETH_P_: "Ethernet protocol number",
  EWOULDBLOCK: "Error number",
  HCI_: "Bluetooth HCI constant",
  HVSOCKET_: "Hyper-V socket option",
  HV_: "Hyper-V socket protocol",
  INADDR_: "Reserved IPv4 address (host byte order)",
  IOCTL_VM_SOCKETS_: "VSOCK ioctl request",
  IPPORT_: "Port number limit",
  IPPROTO_: "IP protocol number",
  IPV6_: "IPv6 socket option (level IPPROTO_IPV6)",
  IPX_: "IPX socket option",
  IP_: "IPv4 socket option (level IPPROTO_IP)",
  J1939_: "SAE J1939 constant",
  L2CAP_: "Bluetooth L2CAP link mode",
  LOCAL_: "Local (AF_UNIX) socket option",
  MSG_: "send()/recv() flag",
  NETLINK_: "Netlink protocol",
  NI_: "getnameinfo() flag or limit",
  PACKET_: "AF_PACKET packet type",
  PF_: "Protocol family",
  RCVALL_: "SIO_RCVALL value",
  RDS_: "Reliable Datagram Sockets constant",
  RFCOMM_: "Bluetooth RFCOMM link mode",
  SCM_: "Ancillary message type",
  SCM_J1939_: "SAE J1939 ancillary message type",
  SHUT_: "shutdown() direction",
  SIO_: "Socket ioctl",
  SOCK_: "Socket type or flag",
  SOL_: "Socket option level",
  SOMAXCONN: "Maximum listen() backlog",
  SO_: "Socket option (level SOL_SOCKET)",
  SO_J1939_: "SAE J1939 socket option",
  SO_VM_: "VSOCK socket option",
  SYSPROTO_: "System protocol",
  TCP_: "TCP socket option (level IPPROTO_TCP)",
  TIPC_: "TIPC constant",
  UDPLITE_: "UDP-Lite socket option",
  VMADDR_: "VSOCK address",
  VM_SOCKETS_: "VSOCK constant",
};

function describe(name: string): string {
  let best = "";
  for (const prefix of Object.keys(DESCRIPTIONS)) {
    if (name.startsWith(prefix) && prefix.length > best.length) best = prefix;
  }
  return best ? DESCRIPTIONS[best] : "Socket constant";
}

function renderNames(tables: readonly Table[]): string {
  const platforms = tables.map((table) => table.platform).sort(byCodeUnit);
  const all = new Set<string>();
  for (const table of tables) for (const name of Object.keys(table.constants)) all.add(name);
  const lines: string[] = [];
  for (const name of [...all].sort(byCodeUnit)) {
    const everywhere = tables.every((table) => name in table.constants);
    lines.push(`/** ${describe(name)} ${name} (socket.${name}). */`);
    // The families whose address shape is known carry a brand (sockaddr.ts's
    // FamilyConstant): a socket made with one types its addresses.
    const brand = FAMILY_BRANDS[name];
    lines.push(
      brand !== undefined && everywhere
        ? `export const ${name}: ${brand} = constants.${name}! as ${brand};`
        : everywhere
        ? `export const ${name}: number = constants.${name}!;`
        : `export const ${name}: number | undefined = constants.${name};`,
    );
  }
  return `/**
 * The socket module's integer constants for the running platform, named as
 * Python's \`socket\` module names them. A name is typed \`number\` when every
 * supported platform defines it, else \`number | undefined\`.
 *
 * Generated by scripts/gen_constants.ts from the platform tables ${platforms.join(", ")}.
 * Do not edit.
 *
 * @module
 */
import { table } from "./mod.ts";

const constants = table.constants;

${lines.join("\n")}
`;
}

/** Every committed platform table (constants/<os>_<arch>[_<libc>].ts). */
async function committedTables(dir: string): Promise<Table[]> {
  const tables: Table[] = [];
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /^[a-z0-9]+_[a-z0-9_]+\.ts$/.test(entry.name)) files.push(entry.name);
  }
  for (const file of files.sort(byCodeUnit)) {
    const module = await import(new URL(`file://${dir}/${file}`).href);
    tables.push(module.table as Table);
  }
  return tables;
}

async function format(paths: readonly string[]): Promise<void> {
  // Options given on the command line, so the bytes do not depend on where
  // the files are written (deno.json says lineWidth 100, the rest default).
  const result = await run([Deno.execPath(), "fmt", "--no-config", "--line-width=100", ...paths]);
  if (!result.success) throw new Error(`gen_constants: deno fmt failed:\n${result.stderr}`);
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const scratch = await Deno.makeTempDir({ prefix: "gen_constants_" });
  try {
    const compiler = new Compiler(options.cc, scratch, options.mode);
    const target = targetOf((await compiler.macros(FEATURE_MACROS)).has("_WIN32"));
    const others = await committedTables(options.constantsDir);
    const knownErrno = new Set(others.flatMap((other) => Object.keys(other.errno)));
    const [version, baseMacros, errno, pythonNames] = await Promise.all([
      compiler.version(),
      compiler.macros(FEATURE_MACROS + includeLines(target.baseHeaders)),
      errnoNames(compiler, target, knownErrno),
      pythonSocketNames(),
    ]);
    if (baseMacros.has("__clang__")) compiler.errorFlags = ["-ferror-limit=0"];
    else compiler.errorFlags = ["-fmax-errors=0", "-ftrack-macro-expansion=0"];

    const headers = await usableHeaders(compiler, target, baseMacros.has("__linux__"));
    const head = prelude(target, headers);
    const macros = await compiler.macros(head);
    const platform = options.platform ?? detectPlatform(macros);

    const unknown = pythonNames.filter((name) => !SOCKET_NAMES.includes(name));
    if (unknown.length > 0) {
      console.warn(`gen_constants: note: python3 knows names not in SOCKET_NAMES: ${unknown}`);
    }
    const socketNames = [...new Set([...SOCKET_NAMES, ...unknown])].sort(byCodeUnit);
    const { source, entries } = await settleProbe(
      compiler,
      head,
      probeEntries(target, macros, socketNames, errno),
    );
    const table = parseOutput(platform, await compiler.values(source, entries, options.runner));

    await Deno.mkdir(options.outDir, { recursive: true });
    const tablePath = `${options.outDir}/${platform}.ts`;
    const defaulted = HEADER_DEFAULTS.filter(({ name }) => macros.has(defaultedMacro(name)));
    await Deno.writeTextFile(tablePath, renderTable(table, version, defaulted));
    const namesPath = `${options.outDir}/names.ts`;
    const rest = others.filter((other) => other.platform !== platform);
    await Deno.writeTextFile(namesPath, renderNames([...rest, table]));
    await format([tablePath, namesPath]);

    const mod = await Deno.readTextFile(`${options.constantsDir}/mod.ts`).catch(() => "");
    // mod.ts does not import Windows until a Windows backend exists: its table is for that work.
    if (!mod.includes(`./${platform}.ts`) && !platform.startsWith("windows")) {
      console.warn(
        `gen_constants: warning: constants/mod.ts does not import ./${platform}.ts yet`,
      );
    }
    console.log(
      `gen_constants: ${platform}: ${Object.keys(table.constants).length} constants, ` +
        `${Object.keys(table.errno).length} errno, ${Object.keys(table.sys).length} sys, ` +
        `${Object.keys(table.layouts).length} structs -> ${tablePath}, ${namesPath}`,
    );
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

if (import.meta.main) await main();
