"""A python3 peer for the interop tests.

Usage: peer.py server KIND BIND_ADDRESS_JSON
       peer.py client KIND ADDRESS_JSON

KIND: tcp4, tcp6, udp4, udp6, unix_stream, unix_dgram. A server prints its bound
address as one JSON line first. Each run ends by printing one JSON object:
what it received ("got") and its peer's or its own address.

server, stream: accept one connection, read to end of stream, send the text back
    upper-cased, close.
server, udp: receive one datagram, send it back upper-cased to the sender.
server, unix_dgram: receive three datagrams (from a connect()ed, unbound client).
client, stream: connect, send "hello from python", shut down writing, read to end.
client, udp: send "hello from python", receive the answer.
client, unix_dgram: connect() to the datagram server, send two datagrams.
"""
import json
import socket
import sys

FAMILY = {"tcp4": socket.AF_INET, "tcp6": socket.AF_INET6, "udp4": socket.AF_INET,
          "udp6": socket.AF_INET6, "unix_stream": socket.AF_UNIX, "unix_dgram": socket.AF_UNIX}
STREAM = {"tcp4", "tcp6", "unix_stream"}


def addr(a):
    return tuple(a) if isinstance(a, list) else a


def plain(a):
    return a.decode("latin1") if isinstance(a, bytes) else a


mode, kind, address = sys.argv[1], sys.argv[2], addr(json.loads(sys.argv[3]))
s = socket.socket(FAMILY[kind], socket.SOCK_STREAM if kind in STREAM else socket.SOCK_DGRAM)
s.settimeout(10)
out = {}
if mode == "server":
    s.bind(address)
    if kind in STREAM:
        s.listen()
    print(json.dumps(s.getsockname()), flush=True)
    if kind in STREAM:
        conn, peer = s.accept()
        data = b""
        while chunk := conn.recv(4096):
            data += chunk
        conn.sendall(data.upper())
        conn.close()
        out = {"got": data.decode(), "peer": plain(peer)}
    elif kind == "unix_dgram":
        out = {"got": [s.recv(100).decode() for _ in range(3)]}
    else:
        data, peer = s.recvfrom(100)
        s.sendto(data.upper(), peer)
        out = {"got": data.decode(), "peer": peer}
else:
    if kind in STREAM:
        s.connect(address)
        s.sendall(b"hello from python")
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
        out = {"got": data.decode(), "local": plain(s.getsockname())}
    elif kind == "unix_dgram":
        s.connect(address)
        s.send(b"python datagram 1")
        s.send(b"python datagram 2")
        out = {"sent": 2}
    else:
        s.sendto(b"hello from python", address)
        data, peer = s.recvfrom(100)
        out = {"got": data.decode(), "peer": peer, "local": s.getsockname()}
s.close()
print(json.dumps(out), flush=True)
