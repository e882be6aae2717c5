import { test } from "./helpers/platform.ts";
import assert from "node:assert/strict";
import * as socket from "../mod.ts";
import { errorcode, fromErrno, strerror } from "../errors.ts";
import { table } from "../constants/mod.ts";
import { python } from "./helpers/python.ts";

test("OSError(errno, text) picks the PEP 3151 subclass Python picks, for every errno", () => {
  const py = python<Record<string, { cls: string; str: string; strerror: string }>>(`
import json, errno, os
out = {}
for code in sorted(errno.errorcode):
    e = OSError(code, os.strerror(code))
    out[code] = {"cls": type(e).__name__, "str": str(e), "strerror": os.strerror(code)}
print(json.dumps(out))
`);
  assert.ok(Object.keys(py).length > 100);
  for (const [code, want] of Object.entries(py)) {
    const e = new socket.OSError(Number(code), want.strerror);
    assert.equal(e.name, want.cls, `errno ${code}`);
    assert.equal(e.message, want.str, `errno ${code}`);
    assert.ok(e instanceof socket.OSError);
    assert.equal(e.errno, Number(code));
    assert.equal(strerror(Number(code)), want.strerror, `strerror(${code})`);
    const built = fromErrno(Number(code), "recv");
    assert.equal(built.name, want.cls);
    assert.equal(built.syscall, "recv");
  }
});

test("errno names (Node's code) follow Python's errno.errorcode", () => {
  const py = python<Record<string, string>>(`
import json, errno
print(json.dumps(errno.errorcode))
`);
  for (const [code, name] of Object.entries(py)) {
    assert.equal(errorcode(Number(code)), name, `errno ${code}`);
    assert.equal(new socket.OSError(Number(code), "x").code, name);
  }
  assert.equal(fromErrno(table.errno.ECONNREFUSED).code, "ECONNREFUSED");
});

test("class hierarchy and aliases are Python's", () => {
  const py = python<Record<string, string[]>>(`
import json, socket
names = ["BlockingIOError", "ChildProcessError", "ConnectionError", "BrokenPipeError",
         "ConnectionAbortedError", "ConnectionRefusedError", "ConnectionResetError",
         "FileExistsError", "FileNotFoundError", "InterruptedError", "IsADirectoryError",
         "NotADirectoryError", "PermissionError", "ProcessLookupError", "TimeoutError"]
out = {n: [c.__name__ for c in getattr(__builtins__, n).__mro__ if issubclass(c, OSError)] for n in names}
out["herror"] = [c.__name__ for c in socket.herror.__mro__ if issubclass(c, OSError)]
out["gaierror"] = [c.__name__ for c in socket.gaierror.__mro__ if issubclass(c, OSError)]
print(json.dumps(out))
`);
  const ours = socket as unknown as Record<string, new (...a: unknown[]) => Error>;
  for (const [name, mro] of Object.entries(py)) {
    const Cls = ours[name];
    assert.ok(Cls, name);
    const e = name === "herror" || name === "gaierror" ? new Cls(1, "x") : new Cls("x");
    for (const base of mro) assert.ok(e instanceof ours[base], `${name} is a ${base}`);
    assert.equal(e.name, name);
  }
  assert.equal(socket.error, socket.OSError);
  assert.equal(socket.timeout, socket.TimeoutError);
  const t = new socket.TimeoutError("timed out");
  assert.equal(t.message, "timed out");
  assert.equal(t.errno, null);
  assert.equal(
    String(new socket.OSError(2, "No such file", "/x").message),
    "[Errno 2] No such file: '/x'",
  );
});

test("gaierror and herror carry Python's errno and message", () => {
  const py = python<{ gai: string; h: string }>(`
import json, socket
print(json.dumps({"gai": str(socket.gaierror(-2, "Name or service not known")),
                  "h": str(socket.herror(1, "Unknown host"))}))
`);
  assert.equal(new socket.gaierror(-2, "Name or service not known").message, py.gai);
  assert.equal(new socket.herror(1, "Unknown host").message, py.h);
  assert.equal(new socket.gaierror(-2, "x").errno, -2);
});

test("every int constant of Python's socket module has the same value here; enums map back", () => {
  const py = python<Record<string, number>>(`
import json, socket
print(json.dumps({n: int(getattr(socket, n)) for n in dir(socket)
                  if isinstance(getattr(socket, n), int) and not isinstance(getattr(socket, n), bool)}))
`);
  const ours = socket as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(py)) assert.equal(ours[name], value, name);
  assert.equal(socket.AddressFamily(socket.AF_INET).name, "AF_INET");
  assert.equal(socket.SocketKind(socket.SOCK_DGRAM).name, "SOCK_DGRAM");
  assert.equal(socket.MsgFlag.MSG_PEEK, socket.MSG_PEEK);
  assert.equal(socket.AddressInfo.AI_PASSIVE, socket.AI_PASSIVE);
  assert.throws(() => socket.AddressFamily(12345), RangeError);
  assert.equal(socket.has_ipv6, true);
});
