"""Evaluates a table of socket-module calls with Python and prints the outcomes as JSON.

Input (stdin): a JSON list of [function name, [arguments...]]. Arrays become tuples,
{"$bytes": latin-1 text} becomes bytes. Output: one entry per call, either
{"ok": result} (tuples as lists) or {"error": [class, errno, message]}, Python's
ValueError, OverflowError and UnicodeError named RangeError as the TypeScript port
raises them, messages in JavaScript's words (js_words.py). Used by tests/resolve_test.ts, tests/interfaces_test.ts and
tests/dns_test.ts.
"""
import json
import socket
import sys

from js_words import js_words

RANGE_ERRORS = (ValueError, OverflowError)


def decode(value):
    if isinstance(value, dict) and "$bytes" in value:
        return value["$bytes"].encode("latin-1")
    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    return value


def encode(value):
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": value.decode("latin-1")}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)  # IntEnum members as plain numbers
    return value


def outcome(name, args):
    try:
        return {"ok": encode(getattr(socket, name)(*[decode(a) for a in args]))}
    except Exception as e:  # noqa: BLE001 - the exception is the answer
        cls = "RangeError" if isinstance(e, RANGE_ERRORS) else type(e).__name__
        errno = e.errno if isinstance(e, OSError) else None
        return {"error": [cls, errno, js_words(str(e))]}


cases = json.load(sys.stdin)
print(json.dumps([outcome(name, args) for name, args in cases]))
