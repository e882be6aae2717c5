/**
 * The code that is a function of a platform's table, run here against the tables of
 * platforms this machine cannot run (macOS, Windows): address encoding and decoding,
 * CMSG arithmetic, msghdr and addrinfo records, kevent records. No libc is mocked: these
 * are pure functions of the generated tables (the libc calls they make, for IPv6 text,
 * use the running platform's family numbers).
 */
import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { table as darwinArm } from "../constants/darwin_aarch64.ts";
import { table as darwinX86 } from "../constants/darwin_x86_64.ts";
import { table as linux } from "../constants/linux_x86_64_gnu.ts";
import { table as windows } from "../constants/windows_x86_64.ts";
import type { PlatformTable } from "../constants/types.ts";
import { addressCodec, addrInfoRecord } from "../address.ts";
import { MessageLayout } from "../message.ts";
import { KqueueCodec } from "../reactor/kqueue.ts";
import { OSError } from "../errors.ts";
import { SendfileJob, socketpair } from "../socket.ts";
import { ffi } from "../ffi/mod.ts";
import {
  cSymbol,
  hErrnoAddress,
  isAvailable,
  stackVariadicDef,
  symbols,
  variadicOnStack,
} from "../ffi/symbols.ts";

const darwins: readonly PlatformTable[] = [darwinArm, darwinX86];

test("the darwin tables say what macOS's headers say", () => {
  for (const t of darwins) {
    const { constants: C, errno: E, sys: S, layouts: L } = t;
    assert.equal(C.AF_INET6, 30);
    assert.equal(C.SO_REUSEPORT, 0x200);
    assert.equal(C.SOL_SOCKET, 0xffff);
    assert.equal(C.AF_SYSTEM, 32);
    assert.equal(C.SYSPROTO_CONTROL, 2); // a documented default: Zig's SDK lacks the header
    assert.equal(C.TCP_KEEPALIVE, 0x10);
    assert.equal(C.AF_NETLINK, undefined);
    assert.equal(S.SO_NOSIGPIPE, 0x1022);
    assert.equal(S.MSG_NOSIGNAL, 0x80000);
    assert.equal(S.SOCK_CLOEXEC, undefined);
    assert.equal(S.SO_DOMAIN, undefined);
    assert.equal(E.EAGAIN, 35);
    assert.equal(E.EWOULDBLOCK, 35);
    assert.equal(E.ECONNREFUSED, 61);
    assert.equal(E.EINPROGRESS, 36);
    assert.deepEqual(
      [L.sockaddr.sa_len, L.sockaddr.sa_family, L.sockaddr["sa_family$size"]],
      [0, 1, 1],
    );
    assert.equal(L.sockaddr_un["sun_path$size"], 104);
    // addrinfo: ai_canonname before ai_addr (the reverse of Linux).
    assert.ok(L.addrinfo.ai_canonname < L.addrinfo.ai_addr);
    assert.ok(linux.layouts.addrinfo.ai_canonname > linux.layouts.addrinfo.ai_addr);
    assert.equal(L.msghdr["msg_iovlen$size"], 4);
    assert.equal(L.msghdr["msg_controllen$size"], 4);
    assert.equal(S.CMSG_ALIGN_TO, 4);
    assert.deepEqual(L.kevent, {
      size: 32,
      align: 4,
      ident: 0,
      ident$size: 8,
      filter: 8,
      filter$size: 2,
      flags: 10,
      flags$size: 2,
      fflags: 12,
      fflags$size: 4,
      data: 16,
      data$size: 8,
      udata: 24,
      udata$size: 8,
    });
    assert.deepEqual([S.EVFILT_READ, S.EVFILT_WRITE, S.EVFILT_USER], [-1, -2, -10]);
    assert.deepEqual([S.EV_ADD, S.EV_DELETE, S.EV_CLEAR, S.EV_EOF, S.EV_ERROR], [
      1,
      2,
      0x20,
      0x8000,
      0x4000,
    ]);
  }
  assert.equal(darwinX86.layouts.stat.size, 144); // stat$INODE64's layout
});

test("the windows table says what Winsock's headers and CPython's errno say", () => {
  const { constants: C, errno: E, sys: S, layouts: L } = windows;
  assert.equal(C.AF_INET6, 23);
  assert.equal(C.AF_HYPERV, 34); // a documented default
  assert.equal(C.SO_EXCLUSIVEADDRUSE, -5);
  assert.equal(C.SIO_RCVALL, 0x98000001);
  assert.equal(C.SIO_KEEPALIVE_VALS, 0x98000004);
  assert.equal(C.SIO_LOOPBACK_FAST_PATH, 0x98000010);
  assert.deepEqual([C.SHUT_RD, C.SHUT_WR, C.SHUT_RDWR], [0, 1, 2]);
  assert.deepEqual([C.TCP_KEEPIDLE, C.TCP_KEEPCNT, C.TCP_KEEPINTVL], [3, 16, 17]);
  assert.equal(C.EWOULDBLOCK, 10035);
  assert.equal(E.EWOULDBLOCK, 10035);
  assert.equal(E.ECONNREFUSED, 10061);
  assert.equal(E.EINPROGRESS, 10036);
  assert.equal(E.EAGAIN, 11); // the C runtime's, as CPython's errno module has it
  assert.equal(E.EBADF, 9);
  assert.equal(E.ENOFILE, undefined); // mingw-w64's alone
  assert.equal(S.SIZEOF_SOCKET, 8);
  assert.equal(S.INVALID_SOCKET, -1);
  assert.equal(S.FIONBIO, 0x8004667e);
  assert.equal(L.addrinfo["ai_addrlen$size"], 8);
  assert.equal(L.pollfd["fd$size"], 8);
  assert.deepEqual([L.WSABUF.size, L.WSABUF.len, L.WSABUF.buf], [16, 0, 8]);
  assert.equal(L.WSAMSG.size, 56);
  assert.ok(L.servent.s_proto < L.servent.s_port); // Win64's order
});

test("darwin: AF_INET6, AF_INET and AF_UNIX sockaddrs carry sa_len", () => {
  for (const t of darwins) {
    const codec = addressCodec(t);
    const C = t.constants;
    const out = new Uint8Array(codec.sockaddrSize);
    const n6 = codec.encodeAddress(C.AF_INET6!, ["::1", 8080, 5, 7], out, "bind");
    assert.equal(n6, 28);
    assert.deepEqual([...out.subarray(0, 8)], [28, 30, 0x1f, 0x90, 0, 0, 0, 5]);
    assert.deepEqual([...out.subarray(8, 24)], [...new Uint8Array(15), 1]);
    assert.deepEqual([...out.subarray(24, 28)], [7, 0, 0, 0]);
    assert.equal(codec.familyOf(out), 30);
    assert.deepEqual(codec.decodeAddress(out, n6), ["::1", 8080, 5, 7]);

    const n4 = codec.encodeAddress(C.AF_INET!, ["127.0.0.1", 80], out, "bind");
    assert.equal(n4, 16);
    assert.deepEqual([...out.subarray(0, 8)], [16, 2, 0, 80, 127, 0, 0, 1]);
    assert.deepEqual(codec.decodeAddress(out, n4), ["127.0.0.1", 80]);

    const nu = codec.encodeAddress(C.AF_UNIX!, "/tmp/s", out, "bind");
    assert.equal(nu, 2 + 6 + 1);
    assert.deepEqual([...out.subarray(0, 2)], [nu, 1]);
    assert.equal(codec.decodeAddress(out, nu), "/tmp/s");
    assert.throws(
      () => codec.encodeAddress(C.AF_UNIX!, "x".repeat(104), out, "bind"),
      OSError,
    );

    // An unknown family: (family, sa_data), sa_data after sa_len and sa_family.
    const raw = new Uint8Array(16);
    raw.set([16, 99, 0xaa, 0xbb]);
    assert.deepEqual(codec.decodeAddress(raw, 4), [99, new Uint8Array([0xaa, 0xbb])]);
    // Linux-only families are not families here.
    assert.throws(() => codec.encodeAddress(16, [0, 0], out, "bind"), /bad family/);
  }
  // The same address on Linux: a 2-byte family, no length byte.
  const lin = addressCodec(linux);
  const out = new Uint8Array(lin.sockaddrSize);
  assert.equal(lin.encodeAddress(10, ["::1", 8080], out, "bind"), 28);
  assert.deepEqual([...out.subarray(0, 4)], [10, 0, 0x1f, 0x90]);
});

test("darwin codec keeps the input checks: file-system names, sun_path's room, NULs", () => {
  for (const t of darwins) {
    const codec = addressCodec(t);
    const C = t.constants;
    const out = new Uint8Array(codec.sockaddrSize);
    // A lone U+DC80 is file-system byte 0x80 (surrogateescape), both ways.
    const n = codec.encodeAddress(C.AF_UNIX!, "/tmp/\udc80", out, "bind");
    assert.deepEqual([...out.subarray(0, n)], [
      n,
      1,
      ...new TextEncoder().encode("/tmp/"),
      0x80,
      0,
    ]);
    assert.equal(codec.decodeAddress(out, n), "/tmp/\udc80");
    // No abstract names (Linux's): a leading NUL is a path's byte, as CPython has it there,
    // so 104 bytes (sun_path's size here) leave no room for the NUL.
    assert.throws(() => codec.encodeAddress(C.AF_UNIX!, new Uint8Array(104), out, "bind"), {
      name: "OSError",
      message: "AF_UNIX path too long",
    });
    assert.equal(codec.encodeAddress(C.AF_UNIX!, new Uint8Array(103), out, "bind"), 2 + 104);
    assert.equal(out[0], 106);
    assert.equal(codec.encodeAddress(C.AF_UNIX!, "x".repeat(103), out, "bind"), 2 + 104);
    // XNU's sun_noname (an unbound sender or connecting peer): 16 bytes, no path; Python
    // reads '' (its abstract-name bytes are Linux's only).
    const noname = new Uint8Array(16);
    noname[0] = 16;
    noname[1] = C.AF_UNIX!;
    assert.equal(codec.decodeAddress(noname, 16), "");
    noname[5] = 0x41; // a byte after the NUL is not read
    assert.equal(codec.decodeAddress(noname, 16), "");
    // A host the idna codec refuses: TypeError before any lookup.
    assert.throws(() => codec.encodeAddress(C.AF_INET!, ["\ud800", 80], out, "bind"), {
      name: "TypeError",
      message: "encoding of hostname failed",
    });
  }
});

test("darwin: CMSG_LEN/CMSG_SPACE align to 4; control buffers by the darwin cmsghdr", () => {
  for (const t of darwins) {
    const m = new MessageLayout(t);
    assert.deepEqual([m.CMSG_LEN(0), m.CMSG_LEN(4), m.CMSG_LEN(8)], [12, 16, 20]);
    assert.deepEqual([m.CMSG_SPACE(0), m.CMSG_SPACE(1), m.CMSG_SPACE(4), m.CMSG_SPACE(5)], [
      12,
      16,
      16,
      20,
    ]);
    const fds = new Uint8Array(new Int32Array([3, 4]).buffer);
    const control = m.encodeAncillary([[0xffff, 1, fds], [0, 7, new Uint8Array([9])]])!;
    assert.equal(control.length, m.CMSG_SPACE(8) + m.CMSG_SPACE(1));
    const dv = new DataView(control.buffer);
    assert.deepEqual([dv.getUint32(0, true), dv.getInt32(4, true), dv.getInt32(8, true)], [
      20,
      0xffff,
      1,
    ]);
    assert.deepEqual([...control.subarray(12, 20)], [...fds]);
    assert.equal(dv.getUint32(20, true), 13); // the second item starts at CMSG_SPACE(8)
    assert.deepEqual(m.decodeAncillary(control, control.length), [
      [0xffff, 1, fds],
      [0, 7, new Uint8Array([9])],
    ]);
    // Truncated by the kernel (MSG_CTRUNC): the last item clipped to what is there.
    assert.deepEqual(m.decodeAncillary(control, 16), [[0xffff, 1, fds.subarray(0, 4)]]);
  }
  const lin = new MessageLayout(linux);
  assert.deepEqual([lin.CMSG_LEN(4), lin.CMSG_SPACE(4)], [20, 24]);
});

test("darwin: msghdr with 4-byte msg_iovlen and msg_controllen; iovecs", () => {
  for (const t of darwins) {
    const m = new MessageLayout(t);
    const L = t.layouts.msghdr;
    const data = new Uint8Array(5);
    const iov = m.iovecs([data]);
    assert.equal(iov.length, 16);
    const iv = new DataView(iov.buffer);
    assert.equal(iv.getBigUint64(0, true), ffi.addressOf(data));
    assert.equal(iv.getBigUint64(8, true), 5n);
    const name = new Uint8Array(28);
    const control = new Uint8Array(20);
    const hdr = m.msghdr(name, iov, 1, control);
    assert.equal(hdr.length, 48);
    const dv = new DataView(hdr.buffer);
    assert.equal(dv.getBigUint64(L.msg_name, true), ffi.addressOf(name));
    assert.equal(dv.getUint32(L.msg_namelen, true), 28);
    assert.equal(dv.getBigUint64(L.msg_iov, true), ffi.addressOf(iov));
    assert.deepEqual([L.msg_iovlen, L.msg_controllen, L.msg_flags], [24, 40, 44]);
    assert.equal(dv.getUint32(24, true), 1);
    assert.equal(dv.getUint32(28, true), 0); // padding before msg_control stays 0
    assert.equal(dv.getBigUint64(L.msg_control, true), ffi.addressOf(control));
    assert.equal(dv.getUint32(40, true), 20);
    // What the kernel writes back.
    dv.setUint32(40, 12, true);
    dv.setUint32(L.msg_namelen, 16, true);
    dv.setInt32(44, 0x20, true);
    assert.deepEqual(m.msghdrResult(hdr), { controllen: 12, namelen: 16, flags: 0x20 });
  }
});

test("addrinfo records by layout: darwin's ai_canonname before ai_addr, Windows' size_t addrlen", () => {
  for (const t of [...darwins, linux]) {
    const L = t.layouts.addrinfo;
    const bytes = new Uint8Array(L.size);
    const dv = new DataView(bytes.buffer);
    dv.setInt32(L.ai_flags, 2, true);
    dv.setInt32(L.ai_family, t.constants.AF_INET6!, true);
    dv.setInt32(L.ai_socktype, 1, true);
    dv.setInt32(L.ai_protocol, 6, true);
    dv.setUint32(L.ai_addrlen, 28, true);
    dv.setBigUint64(L.ai_canonname, 0x1000n, true);
    dv.setBigUint64(L.ai_addr, 0x2000n, true);
    dv.setBigUint64(L.ai_next, 0x3000n, true);
    assert.deepEqual(addrInfoRecord(bytes, L, 8), {
      flags: 2,
      family: t.constants.AF_INET6,
      socktype: 1,
      protocol: 6,
      addrlen: 28,
      addr: 0x2000n,
      canonname: 0x1000n,
      next: 0x3000n,
    });
  }
  // Darwin's record read with Linux's layout would swap the two pointers.
  const D = darwinArm.layouts.addrinfo;
  const bytes = new Uint8Array(D.size);
  new DataView(bytes.buffer).setBigUint64(D.ai_canonname, 0x1000n, true);
  assert.equal(addrInfoRecord(bytes, linux.layouts.addrinfo, 8).addr, 0x1000n);
  assert.equal(addrInfoRecord(bytes, D, 8).canonname, 0x1000n);
  const W = windows.layouts.addrinfo;
  const w = new Uint8Array(W.size);
  new DataView(w.buffer).setBigUint64(W.ai_addrlen, 16n, true);
  assert.equal(addrInfoRecord(w, W, 8).addrlen, 16);
});

test("kevent records by the darwin layout: 32 bytes packed to 4", () => {
  for (const t of darwins) {
    const codec = KqueueCodec.of(t.sys, t.layouts.kevent!);
    const k = codec.k;
    assert.equal(codec.size, 32);
    const buf = new Uint8Array(3 * codec.size);
    const dv = new DataView(buf.buffer);
    codec.write(dv, 0, 7, k.EVFILT_READ, k.EV_ADD | k.EV_CLEAR, 0);
    codec.write(dv, 1, 9, k.EVFILT_WRITE, k.EV_EOF, 0);
    codec.write(dv, 2, 0, k.EVFILT_USER, 0, k.NOTE_TRIGGER);
    assert.deepEqual([...buf.subarray(0, 16)], [
      7,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xff,
      0xff,
      0x21,
      0,
      0,
      0,
      0,
      0,
    ]);
    assert.deepEqual([...buf.subarray(32, 44)], [9, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0, 0x80]);
    assert.deepEqual([...buf.subarray(64 + 8, 64 + 16)], [0xf6, 0xff, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(codec.read(dv, 0), {
      ident: 7,
      filter: -1,
      flags: 0x21,
      fflags: 0,
      data: 0,
    });
    assert.deepEqual(
      [codec.readiness(dv, 0), codec.readiness(dv, 1), codec.readiness(dv, 2)],
      ["read", "write", "wake"],
    );
    // EV_ERROR with an errno in data: both directions.
    codec.write(dv, 0, 7, k.EVFILT_READ, k.EV_ERROR, 0);
    dv.setBigInt64(16, BigInt(t.errno.EBADF!), true);
    assert.equal(codec.readiness(dv, 0), "both");
    assert.equal(codec.read(dv, 0).data, 9);
  }
  assert.throws(() => KqueueCodec.of(linux.sys, darwinArm.layouts.kevent!), /EVFILT_READ/);
});

test("the symbol choices of macOS (pure functions of os, libc and arch)", () => {
  const has = (key: string, os: string, libc = "") => isAvailable(key, os, libc);
  for (const key of ["accept4", "epoll_create1", "eventfd", "gethostbyname2_r", "sendfile"]) {
    assert.equal(has(key, "darwin"), false, key);
  }
  for (
    const key of ["accept", "kqueue", "kevent", "kevent_async", "gethostbyname2", "getservbyport"]
  ) {
    assert.equal(has(key, "darwin"), true, key);
    assert.equal(has(key, "linux", "gnu"), key === "accept", key);
  }
  assert.equal(has("getprotobyname", "linux", "musl"), true);
  // h_errno: macOS's non-_r lookups leave it in a global, found with dlsym (Linux: the _r
  // calls' h_errnop; dlsym is not bound there)
  assert.equal(has("dlsym", "darwin"), true);
  assert.equal(has("dlsym", "linux", "gnu"), false);
  assert.equal(has("dlsym", "linux", "musl"), false);
  const asked: unknown[][] = [];
  const dlsym = (handle: number | bigint, name: unknown) => (asked.push([handle, name]), 0x1234);
  assert.equal(hErrnoAddress({ dlsym }, "darwin"), 0x1234n);
  assert.deepEqual(asked, [[-2, new TextEncoder().encode("h_errno\0")]]); // RTLD_DEFAULT
  assert.equal(hErrnoAddress({ dlsym }, "linux"), 0n);
  assert.equal(asked.length, 1);
  assert.equal(has("getprotobyname_r", "linux", "musl"), false);
  const def = { parameters: [], result: "i32" } as const;
  assert.equal(cSymbol("errno_location", symbols.errno_location, "darwin", ""), "__error");
  assert.equal(cSymbol("select", def, "darwin", "", "aarch64"), "select$DARWIN_EXTSN");
  assert.equal(cSymbol("stat", def, "darwin", "", "x86_64"), "stat$INODE64");
  assert.equal(cSymbol("stat", def, "darwin", "", "aarch64"), "stat");
  assert.equal(cSymbol("stat", def, "linux", "gnu", "x86_64"), "stat");
  assert.equal(cSymbol("strerror_r", symbols.strerror_r, "linux", "gnu"), "__xpg_strerror_r");
  assert.equal(variadicOnStack("darwin", "aarch64"), true);
  assert.equal(variadicOnStack("darwin", "x86_64"), false);
  assert.equal(variadicOnStack("linux", "aarch64"), false);
  // fcntl(fd, cmd, ...): x2-x7 padded, the argument in the first stack slot.
  assert.deepEqual(stackVariadicDef("fcntl", symbols.fcntl).parameters, [
    "i32",
    "i32",
    "i64",
    "i64",
    "i64",
    "i64",
    "i64",
    "i64",
    "i64",
  ]);
  assert.equal(stackVariadicDef("close", symbols.close), symbols.close);
});

test("sendfile's read-and-send loop (macOS's path: no Linux sendfile there)", () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-sendfile-loop-"));
  const path = join(dir, "data");
  const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
  writeFileSync(path, data);
  const [a, b] = socketpair();
  const job = new SendfileJob(path, 1000, 30_000);
  try {
    assert.equal(job.runBySend(a.fileno()), true);
    assert.equal(job.total, 30_000);
    const got: number[] = [];
    while (got.length < 30_000) got.push(...b.recv(65536));
    assert.deepEqual(new Uint8Array(got), data.subarray(1000, 31_000));
  } finally {
    job.close();
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
