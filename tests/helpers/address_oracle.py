"""Evaluates socket address cases with Python's socket module and prints the outcomes.

Reads a JSON list of cases from stdin: [family, type, proto, method, address, setup].
Lists become tuples, {"$b": [...]} becomes bytes. `method` is bind, connect,
connect_ex, sendto or "bind+getsockname" (bind, then report getsockname()), and
"connect+getpeername". `setup` names options to set first ("broadcast"), or "unlink" to remove the bound
path afterwards.
Prints one JSON list: {"ok": value} or {"error": class, "errno": n, "message": str},
the message in JavaScript's words (js_words.py).
"""
import json
import os
import socket
import sys

from js_words import js_words


def decode(v):
    if isinstance(v, list):
        return tuple(decode(x) for x in v)
    if isinstance(v, dict) and "$b" in v:
        return bytes(v["$b"])
    return v


def plain(v):
    if isinstance(v, (bytes, bytearray)):
        return {"$b": list(v)}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def run(case):
    family, type_, proto, method, address, setup = case
    if isinstance(family, str):  # by name: the caller's numbers may be another platform's
        family = getattr(socket, family)
    address = decode(address)
    try:
        with socket.socket(family, type_, proto) as s:
            if "broadcast" in setup:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            if method == "bind":
                return {"ok": plain(s.bind(address))}
            if method == "connect":
                return {"ok": plain(s.connect(address))}
            if method == "connect_ex":
                return {"ok": s.connect_ex(address)}
            if method == "sendto":
                return {"ok": s.sendto(b"x", address)}
            if method == "bind+getsockname":
                s.bind(address)
                name = s.getsockname()
                if "unlink" in setup:
                    os.unlink(address)
                return {"ok": plain(name)}
            if method == "connect+getpeername":
                s.connect(address)
                return {"ok": plain(s.getpeername())}
            raise RuntimeError(method)
    except Exception as e:  # the class and message are the answer
        return {"error": type(e).__name__, "errno": getattr(e, "errno", None), "message": js_words(str(e))}


print(json.dumps([run(c) for c in json.load(sys.stdin)]))
