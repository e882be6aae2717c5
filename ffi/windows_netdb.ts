/**
 * The netdb `_r` calls on Windows, which has only the thread-local forms
 * (`gethostbyname`, `gethostbyaddr`, `getservbyname`, `getservbyport`,
 * `getprotobyname`, as CPython calls there): each result is copied at once into the
 * caller's `ret` and `buf`, in the layouts of {@link NETDB_LAYOUTS} (this layer's own,
 * merged into the table's layouts: Winsock's HOSTENT has short fields and Win64's
 * SERVENT puts `s_proto` before `s_port`).
 *
 * @module
 */
import type { SymbolDef } from "./symbols.ts";
import type { BoundFn, WindowsBinder } from "./windows_binder.ts";

/** The struct layouts the emulated `_r` calls write. */
export const NETDB_LAYOUTS = {
  hostent: {
    size: 32,
    align: 8,
    h_name: 0,
    h_aliases: 8,
    h_addrtype: 16,
    h_length: 20,
    h_addr_list: 24,
  },
  servent: { size: 32, align: 8, s_name: 0, s_aliases: 8, s_port: 16, s_proto: 24 },
  protoent: { size: 24, align: 8, p_name: 0, p_aliases: 8, p_proto: 16 },
} as const;

/** The Winsock database calls (ws2_32). */
export const NETDB_SYMBOLS: Record<string, SymbolDef> = {
  // struct hostent *gethostbyname(const char *name)
  gethostbyname: { parameters: ["buffer"], result: "usize" },
  // struct hostent *gethostbyaddr(const char *addr, int len, int type)
  gethostbyaddr: { parameters: ["buffer", "i32", "i32"], result: "usize" },
  // struct servent *getservbyname(const char *name, const char *proto)
  getservbyname: { parameters: ["buffer", "buffer"], result: "usize" },
  // struct servent *getservbyport(int port, const char *proto)
  getservbyport: { parameters: ["i32", "buffer"], result: "usize" },
  // struct protoent *getprotobyname(const char *name)
  getprotobyname: { parameters: ["buffer"], result: "usize" },
};

const ERANGE = 34;
const POINTER = 8;

/** Writes C data into a caller's buffer, front to back, tracking addresses. */
class Packer {
  #at = 0;
  readonly #base: bigint;
  readonly #view: DataView;

  constructor(readonly buf: Uint8Array, addressOf: (v: ArrayBufferView) => bigint) {
    this.#base = addressOf(buf);
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Copies `bytes` (aligned to `align`); returns their C address, or -1n when full. */
  put(bytes: Uint8Array, align = 1): bigint {
    const at = Math.ceil(this.#at / align) * align;
    if (at + bytes.length > this.buf.length) return -1n;
    this.buf.set(bytes, at);
    this.#at = at + bytes.length;
    return this.#base + BigInt(at);
  }

  /** A NULL-terminated array of the given pointers; its address, or -1n when full. */
  pointers(list: bigint[]): bigint {
    const bytes = new Uint8Array((list.length + 1) * POINTER);
    const v = new DataView(bytes.buffer);
    list.forEach((p, i) => v.setBigUint64(i * POINTER, p, true));
    return this.put(bytes, POINTER);
  }

  get view(): DataView {
    return this.#view;
  }
}

/**
 * The emulated `gethostbyname2_r`, `gethostbyaddr_r`, `getservbyname_r`,
 * `getservbyport_r` and `getprotobyname_r` (with their `_async` twins, run on the
 * calling thread: the thread-local results must be copied on the thread that made them).
 *
 * @example
 * ```ts ignore
 * const calls = netdbCalls(binder, ws2, () => ws2.WSAGetLastError());
 * ```
 */
export function netdbCalls(
  binder: WindowsBinder,
  w: Record<string, BoundFn>,
  lastError: () => number,
): Record<string, BoundFn> {
  const big = (p: number | bigint) => BigInt(p);
  const cstring = (p: bigint): Uint8Array => {
    const out: number[] = [];
    for (let i = 0n; i < 4096n; i++) {
      const b = binder.peek(p + i, 1)[0];
      out.push(b);
      if (b === 0) break;
    }
    return new Uint8Array(out);
  };
  const pointerAt = (p: bigint, offset: number) =>
    new DataView(binder.peek(p + BigInt(offset), POINTER).buffer).getBigUint64(0, true);
  const array = (p: bigint): bigint[] => {
    const out: bigint[] = [];
    if (p === 0n) return out;
    for (let i = 0; i < 1024; i++) {
      const q = pointerAt(p, i * POINTER);
      if (q === 0n) break;
      out.push(q);
    }
    return out;
  };
  const setResult = (result: Uint8Array, value: bigint) =>
    new DataView(result.buffer, result.byteOffset, POINTER).setBigUint64(0, value, true);
  const strings = (pack: Packer, list: bigint[]): bigint[] | null => {
    const out: bigint[] = [];
    for (const p of list) {
      const at = pack.put(cstring(p));
      if (at < 0n) return null;
      out.push(at);
    }
    return out;
  };

  /** Copies Winsock's HOSTENT at `h` into ret/buf; 0, or ERANGE when buf is too small. */
  const copyHost = (h: bigint, ret: Uint8Array, buf: Uint8Array, result: Uint8Array): number => {
    const hv = new DataView(binder.peek(h, 32).buffer);
    const type = hv.getInt16(16, true);
    const length = hv.getInt16(18, true);
    const pack = new Packer(buf, binder.addressOf);
    const addrs: bigint[] = [];
    for (const p of array(hv.getBigUint64(24, true))) {
      const at = pack.put(binder.peek(p, length), 4);
      if (at < 0n) return ERANGE;
      addrs.push(at);
    }
    const name = pack.put(cstring(hv.getBigUint64(0, true)));
    const aliases = strings(pack, array(hv.getBigUint64(8, true)));
    if (name < 0n || aliases === null) return ERANGE;
    const aliasList = pack.pointers(aliases);
    const addrList = pack.pointers(addrs);
    if (aliasList < 0n || addrList < 0n) return ERANGE;
    const L = NETDB_LAYOUTS.hostent;
    const r = new DataView(ret.buffer, ret.byteOffset, L.size);
    r.setBigUint64(L.h_name, name, true);
    r.setBigUint64(L.h_aliases, aliasList, true);
    r.setInt32(L.h_addrtype, type, true);
    r.setInt32(L.h_length, length, true);
    r.setBigUint64(L.h_addr_list, addrList, true);
    setResult(result, binder.addressOf(ret));
    return 0;
  };
  const hostCall = (
    h: number | bigint,
    ret: Uint8Array,
    buf: Uint8Array,
    result: Uint8Array,
    herrno: Uint8Array,
  ) => {
    setResult(result, 0n);
    if (big(h) === 0n) {
      new DataView(herrno.buffer, herrno.byteOffset, 4).setInt32(0, lastError(), true);
      return 0;
    }
    return copyHost(big(h), ret, buf, result);
  };

  /** Copies Win64's SERVENT (s_name, s_aliases, s_proto, s_port) into ret/buf. */
  const serviceCall = (
    s: number | bigint,
    ret: Uint8Array,
    buf: Uint8Array,
    result: Uint8Array,
  ) => {
    setResult(result, 0n);
    if (big(s) === 0n) return 0;
    const sv = new DataView(binder.peek(big(s), 32).buffer);
    const pack = new Packer(buf, binder.addressOf);
    const name = pack.put(cstring(sv.getBigUint64(0, true)));
    const aliases = strings(pack, array(sv.getBigUint64(8, true)));
    const proto = pack.put(cstring(sv.getBigUint64(16, true)));
    if (name < 0n || proto < 0n || aliases === null) return ERANGE;
    const aliasList = pack.pointers(aliases);
    if (aliasList < 0n) return ERANGE;
    const L = NETDB_LAYOUTS.servent;
    const r = new DataView(ret.buffer, ret.byteOffset, L.size);
    r.setBigUint64(L.s_name, name, true);
    r.setBigUint64(L.s_aliases, aliasList, true);
    r.setInt32(L.s_port, sv.getUint16(24, true), true); // network order, as s_port is
    r.setBigUint64(L.s_proto, proto, true);
    setResult(result, binder.addressOf(ret));
    return 0;
  };

  const protoCall = (p: number | bigint, ret: Uint8Array, buf: Uint8Array, result: Uint8Array) => {
    setResult(result, 0n);
    if (big(p) === 0n) return 0;
    const pv = new DataView(binder.peek(big(p), 24).buffer);
    const pack = new Packer(buf, binder.addressOf);
    const name = pack.put(cstring(pv.getBigUint64(0, true)));
    const aliases = strings(pack, array(pv.getBigUint64(8, true)));
    if (name < 0n || aliases === null) return ERANGE;
    const aliasList = pack.pointers(aliases);
    if (aliasList < 0n) return ERANGE;
    const L = NETDB_LAYOUTS.protoent;
    const r = new DataView(ret.buffer, ret.byteOffset, L.size);
    r.setBigUint64(L.p_name, name, true);
    r.setBigUint64(L.p_aliases, aliasList, true);
    r.setInt32(L.p_proto, pv.getInt16(16, true), true);
    setResult(result, binder.addressOf(ret));
    return 0;
  };

  const byName = (
    name: Uint8Array,
    af: number,
    ret: Uint8Array,
    buf: Uint8Array,
    _n: unknown,
    result: Uint8Array,
    herrno: Uint8Array,
  ) => {
    // Winsock's gethostbyname is IPv4 only (CPython's gethostbyname_ex is too).
    if (af !== 2) {
      setResult(result, 0n);
      new DataView(herrno.buffer, herrno.byteOffset, 4).setInt32(0, 11004, true); // NO_DATA
      return 0;
    }
    return hostCall(w.gethostbyname(name), ret, buf, result, herrno);
  };
  const byAddr = (
    addr: Uint8Array,
    len: number,
    af: number,
    ret: Uint8Array,
    buf: Uint8Array,
    _n: unknown,
    result: Uint8Array,
    herrno: Uint8Array,
  ) => hostCall(w.gethostbyaddr(addr, len, af), ret, buf, result, herrno);

  return {
    gethostbyname2_r: byName,
    gethostbyaddr_r: byAddr,
    gethostbyname2_r_async: (...a: Parameters<typeof byName>) => Promise.resolve(byName(...a)),
    gethostbyaddr_r_async: (...a: Parameters<typeof byAddr>) => Promise.resolve(byAddr(...a)),
    getservbyname_r: (
      name: Uint8Array,
      proto: Uint8Array | null,
      ret: Uint8Array,
      buf: Uint8Array,
      _n: unknown,
      result: Uint8Array,
    ) => serviceCall(w.getservbyname(name, proto), ret, buf, result),
    getservbyport_r: (
      port: number,
      proto: Uint8Array | null,
      ret: Uint8Array,
      buf: Uint8Array,
      _n: unknown,
      result: Uint8Array,
    ) => serviceCall(w.getservbyport(port, proto), ret, buf, result),
    getprotobyname_r: (
      name: Uint8Array,
      ret: Uint8Array,
      buf: Uint8Array,
      _n: unknown,
      result: Uint8Array,
    ) => protoCall(w.getprotobyname(name), ret, buf, result),
    // CPython on Windows has no hstrerror: its herror text is "host not found".
    hstrerror: () => 0,
  };
}
