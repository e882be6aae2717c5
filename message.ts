/**
 * Ancillary data (control messages): CMSG_LEN and CMSG_SPACE, and the encoding and
 * decoding of the control buffers of sendmsg/recvmsg.
 *
 * @module
 */
import { table } from "./constants/mod.ts";
import type { PlatformTable, StructLayout } from "./constants/types.ts";
import { ffi, libc, MAX_IO } from "./ffi/mod.ts";
import { decodeAddress, type SockAddr, SOCKADDR_MAX } from "./address.ts";
import { toBytes, toCInt, toInt } from "./args.ts";
import { OSError } from "./errors.ts";

/** The largest socklen_t a control length may have (INT_MAX, as CPython's limit). */
const SOCKLEN_LIMIT = 0x7fffffff;

/** One ancillary data item: `[cmsg_level, cmsg_type, cmsg_data]`. */
export type AncData = readonly [level: number, type: number, data: Uint8Array];

/** What the socket object lends message.ts: the shared I/O mechanism and its family. */
export interface MessageSocket {
  /** sendmsg(2) through the socket's mode handling. */
  _sendmsg(msghdr: Uint8Array, flags: number): number;
  /** recvmsg(2) through the socket's mode handling. */
  _recvmsg(msghdr: Uint8Array, flags: number): number;
  /** Encodes an address of the socket's family. */
  _encodeAddress(address: unknown, fn: string): Uint8Array;
}

function setUint(dv: DataView, offset: number, size: number, value: number | bigint): void {
  if (size === 8) dv.setBigUint64(offset, BigInt(value), true);
  else if (size === 4) dv.setUint32(offset, Number(value), true);
  else throw new RangeError(`unsupported field size ${size}`);
}

function getUint(dv: DataView, offset: number, size: number): number {
  return size === 8 ? Number(dv.getBigUint64(offset, true)) : dv.getUint32(offset, true);
}

/** What recvmsg left in a msghdr: the lengths of the control data and name, and the flags. */
export interface MsghdrResult {
  /** msg_controllen. */
  controllen: number;
  /** msg_namelen. */
  namelen: number;
  /** msg_flags. */
  flags: number;
}

/**
 * The control-message arithmetic and the msghdr/iovec/cmsghdr records of one platform,
 * from its generated table: a pure function of the table (tests run it against the
 * darwin tables on Linux). The module's functions use the running platform's.
 *
 * @example
 * ```ts
 * import { MessageLayout } from "./message.ts";
 * import { table } from "./constants/darwin_aarch64.ts";
 * const darwin = new MessageLayout(table);
 * console.log(darwin.CMSG_LEN(4), darwin.CMSG_SPACE(4)); // 16 16
 * ```
 */
export class MessageLayout {
  /** The alignment CMSG_ALIGN rounds to (sizeof(size_t) on Linux, 4 on macOS). */
  readonly alignTo: number;
  /** CMSG_LEN(0): the aligned header length. */
  readonly headerLength: number;
  readonly #msghdr: StructLayout;
  readonly #iovec: StructLayout;
  readonly #cmsghdr: StructLayout;
  readonly #pointer: number;

  /** The layout of platform table `t`. */
  constructor(t: PlatformTable) {
    this.alignTo = t.sys.CMSG_ALIGN_TO!;
    this.headerLength = t.sys.CMSG_HDR_LEN!;
    this.#msghdr = t.layouts.msghdr;
    this.#iovec = t.layouts.iovec;
    this.#cmsghdr = t.layouts.cmsghdr;
    this.#pointer = t.sys.SIZEOF_POINTER!;
  }

  /** Rounds `n` up to the control-message alignment (C's CMSG_ALIGN). */
  cmsgAlign(n: number): number {
    return Math.ceil(n / this.alignTo) * this.alignTo;
  }

  /** C's CMSG_LEN, with CPython's range check (see the module function). */
  CMSG_LEN(length: number): number {
    const n = toInt(length);
    if (n < 0 || n > SOCKLEN_LIMIT - this.headerLength) {
      throw new RangeError("CMSG_LEN() argument out of range");
    }
    return this.headerLength + n;
  }

  /** C's CMSG_SPACE, with CPython's range check (see the module function). */
  CMSG_SPACE(length: number): number {
    const n = toInt(length);
    // CPython's bound: no more than the limit less the space of a one-byte item.
    if (n < 0 || n > SOCKLEN_LIMIT - (this.headerLength + this.cmsgAlign(1))) {
      throw new RangeError("CMSG_SPACE() argument out of range");
    }
    const space = this.headerLength + this.cmsgAlign(n);
    if (space > SOCKLEN_LIMIT) throw new RangeError("CMSG_SPACE() argument out of range");
    return space;
  }

  /** Builds an iovec array over `buffers`; the views must stay alive during the call. */
  iovecs(buffers: readonly Uint8Array[]): Uint8Array {
    const LI = this.#iovec;
    const iov = new Uint8Array(Math.max(1, buffers.length) * LI.size);
    const dv = new DataView(iov.buffer);
    buffers.forEach((b, i) => {
      const base = i * LI.size;
      setUint(dv, base + LI.iov_base, this.#pointer, b.length ? ffi.addressOf(b) : 0n);
      setUint(dv, base + LI.iov_len, LI["iov_len$size"] ?? this.#pointer, b.length);
    });
    return iov;
  }

  /** A msghdr over `name` (or none), `iovCount` iovecs in `iov`, and `control` (or none). */
  msghdr(
    name: Uint8Array | null,
    iov: Uint8Array,
    iovCount: number,
    control: Uint8Array | null,
  ): Uint8Array {
    const LM = this.#msghdr;
    const PTR = this.#pointer;
    const m = new Uint8Array(LM.size);
    const dv = new DataView(m.buffer);
    if (name && name.length) {
      setUint(dv, LM.msg_name, PTR, ffi.addressOf(name));
      dv.setUint32(LM.msg_namelen, name.length, true);
    }
    setUint(dv, LM.msg_iov, PTR, ffi.addressOf(iov));
    setUint(dv, LM.msg_iovlen, LM["msg_iovlen$size"] ?? PTR, iovCount);
    if (control && control.length) {
      setUint(dv, LM.msg_control, PTR, ffi.addressOf(control));
      setUint(dv, LM.msg_controllen, LM["msg_controllen$size"] ?? PTR, control.length);
    }
    return m;
  }

  /** Reads what recvmsg wrote back into msghdr `m`. */
  msghdrResult(m: Uint8Array): MsghdrResult {
    const LM = this.#msghdr;
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    return {
      controllen: getUint(dv, LM.msg_controllen, LM["msg_controllen$size"] ?? this.#pointer),
      namelen: dv.getUint32(LM.msg_namelen, true),
      flags: dv.getInt32(LM.msg_flags, true),
    };
  }

  /** Encodes `[level, type, data]` items into a control buffer (null when there are none). */
  encodeAncillary(ancdata: Iterable<unknown>): Uint8Array | null {
    const LC = this.#cmsghdr;
    const items: [number, number, Uint8Array][] = [];
    for (const item of ancdata) {
      if (!Array.isArray(item) || item.length !== 3) {
        throw new TypeError(
          "[sendmsg() ancillary data items]() argument must be sequence of length 3",
        );
      }
      items.push([toCInt(item[0]), toCInt(item[1]), toBytes(item[2])]);
    }
    if (items.length === 0) return null;
    let total = 0;
    for (const [, , data] of items) total += this.CMSG_SPACE(data.length);
    if (total > SOCKLEN_LIMIT) throw new OSError("ancillary data item too large");
    const control = new Uint8Array(total);
    const dv = new DataView(control.buffer);
    const lenSize = LC["cmsg_len$size"] ?? this.#pointer;
    let offset = 0;
    for (const [level, type, data] of items) {
      setUint(dv, offset + LC.cmsg_len, lenSize, this.CMSG_LEN(data.length));
      dv.setInt32(offset + LC.cmsg_level, level, true);
      dv.setInt32(offset + LC.cmsg_type, type, true);
      control.set(data, offset + this.headerLength);
      offset += this.CMSG_SPACE(data.length);
    }
    return control;
  }

  /** Decodes the first `length` bytes of a control buffer (see the module function). */
  decodeAncillary(control: Uint8Array, length: number): AncData[] {
    const LC = this.#cmsghdr;
    const HDR = this.headerLength;
    const end = Math.min(length, control.length);
    const dv = new DataView(control.buffer, control.byteOffset, control.byteLength);
    const lenSize = LC["cmsg_len$size"] ?? this.#pointer;
    const out: AncData[] = [];
    let offset = 0;
    while (offset + HDR <= end) {
      const cmsgLen = getUint(dv, offset + LC.cmsg_len, lenSize);
      if (cmsgLen < HDR) break;
      const level = dv.getInt32(offset + LC.cmsg_level, true);
      const type = dv.getInt32(offset + LC.cmsg_type, true);
      const dataEnd = Math.min(offset + cmsgLen, end);
      out.push(Object.freeze([level, type, control.slice(offset + HDR, dataEnd)] as const));
      offset += this.cmsgAlign(cmsgLen);
    }
    return out;
  }
}

/** The running platform's. */
const running = new MessageLayout(table);

/** Rounds `n` up to the control-message alignment (C's CMSG_ALIGN). */
export function cmsgAlign(n: number): number {
  return running.cmsgAlign(n);
}

/**
 * The total length, without trailing padding, of a control message carrying
 * `length` bytes of data (C's CMSG_LEN).
 *
 * @example
 * ```ts
 * import { CMSG_LEN } from "./message.ts";
 * console.log(CMSG_LEN(4)); // 20 on Linux x86_64
 * ```
 */
export function CMSG_LEN(length: number): number {
  return running.CMSG_LEN(length);
}

/**
 * The buffer size recvmsg needs for a control message carrying `length` bytes of
 * data, with trailing padding (C's CMSG_SPACE).
 *
 * @example
 * ```ts
 * import { CMSG_SPACE } from "./message.ts";
 * console.log(CMSG_SPACE(4)); // 24 on Linux x86_64
 * ```
 */
export function CMSG_SPACE(length: number): number {
  return running.CMSG_SPACE(length);
}

/** Encodes ancillary data items into a control buffer (CMSG_SPACE per item). */
export function encodeAncillary(ancdata: Iterable<unknown>): Uint8Array | null {
  return running.encodeAncillary(ancdata);
}

/**
 * Decodes a control buffer into `[level, type, data]` items, reading only the first
 * `length` bytes (the kernel's msg_controllen) and never past an item's stated length
 * or the buffer (MSG_CTRUNC leaves a truncated last item, which is clipped).
 */
export function decodeAncillary(control: Uint8Array, length: number): AncData[] {
  return running.decodeAncillary(control, length);
}

const IOV_MAX = table.sys.IOV_MAX ?? table.sys.UIO_MAXIOV ?? 1024;
const SCM_RIGHTS = table.sys.SCM_RIGHTS ?? table.constants.SCM_RIGHTS!;
const SOL_SOCKET = table.constants.SOL_SOCKET!;

function toBufferList(buffers: unknown, fn: string): Uint8Array[] {
  if (buffers === null || typeof buffers !== "object" || !(Symbol.iterator in buffers)) {
    throw new TypeError(`${fn}() argument 1 must be an iterable`);
  }
  if (ArrayBuffer.isView(buffers)) {
    throw new TypeError(`${fn}() argument 1 must be an iterable of bytes-like objects`);
  }
  const list = Array.from(buffers as Iterable<unknown>, (b) => toBytes(b));
  if (list.length > IOV_MAX) throw new OSError(`${fn}() argument 1 is too long`);
  return list;
}

/** Closes every descriptor carried in SCM_RIGHTS items (when a receive cannot hand them on). */
export function closeReceivedFds(items: readonly AncData[]): void {
  for (const [level, type, data] of items) {
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) continue;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i + 4 <= data.length; i += 4) libc.close(dv.getInt32(i, true));
  }
}

/** socket.sendmsg: gathers `buffers`, sends with ancillary data, optionally to `address`. */
export function sendmsg(
  sock: MessageSocket,
  buffers: Iterable<ArrayBufferView>,
  ancdata: Iterable<AncData | readonly unknown[]> = [],
  flags = 0,
  address: unknown = null,
): number {
  const list = toBufferList(buffers, "sendmsg");
  let total = 0;
  for (const b of list) total += b.length;
  if (total > MAX_IO) throw new OSError("sendmsg() total size too large");
  const control = encodeAncillary(ancdata);
  const name = address === null || address === undefined
    ? null
    : sock._encodeAddress(address, "sendmsg");
  const iov = running.iovecs(list);
  const m = running.msghdr(name, iov, list.length, control);
  const n = sock._sendmsg(m, toCInt(flags));
  return n;
}

/** The result of recvmsg_into: `[nbytes, ancdata, msg_flags, address]`. */
export type RecvmsgIntoResult = [number, AncData[], number, SockAddr | null];

/** socket.recvmsg_into: scatters into `buffers`; returns `[nbytes, ancdata, msg_flags, address]`. */
export function recvmsg_into(
  sock: MessageSocket,
  buffers: Iterable<ArrayBufferView>,
  ancbufsize = 0,
  flags = 0,
): RecvmsgIntoResult {
  const list = toBufferList(buffers, "recvmsg_into");
  const anc = toCInt(ancbufsize);
  if (anc < 0) throw new RangeError("negative ancillary buffer size in recvmsg_into()");
  const control = anc > 0 ? new Uint8Array(anc) : null;
  const name = new Uint8Array(SOCKADDR_MAX);
  const iov = running.iovecs(list);
  const m = running.msghdr(name, iov, list.length, control);
  const n = sock._recvmsg(m, toCInt(flags));
  const result = running.msghdrResult(m);
  const items = control ? running.decodeAncillary(control, result.controllen) : [];
  try {
    const nameLength = Math.min(result.namelen, SOCKADDR_MAX);
    const address = nameLength === 0 ? null : decodeAddress(name, nameLength);
    return [n, items, result.flags, address];
  } catch (e) {
    closeReceivedFds(items);
    throw e;
  }
}

/** The result of recvmsg: `[data, ancdata, msg_flags, address]`. */
export type RecvmsgResult = [Uint8Array, AncData[], number, SockAddr | null];

/** socket.recvmsg: receives up to `bufsize` bytes and up to `ancbufsize` bytes of ancillary data. */
export function recvmsg(
  sock: MessageSocket,
  bufsize: number,
  ancbufsize = 0,
  flags = 0,
): RecvmsgResult {
  const size = toCInt(bufsize);
  if (size < 0) throw new RangeError("negative buffer size in recvmsg()");
  if (toCInt(ancbufsize) < 0) throw new RangeError("negative ancillary buffer size in recvmsg()");
  const buf = new Uint8Array(size);
  const [n, items, msgFlags, address] = recvmsg_into(sock, [buf], ancbufsize, flags);
  return [buf.slice(0, n), items, msgFlags, address];
}
