"""Python baselines for bench/run.ts: CPython's socket module, same workloads and checksums
as bench/c/bench.c. Usage mirrors the C program; prints one JSON line."""
import json
import socket
import struct
import sys
import time

MSG = 64
CHUNK = 65536


def report(seconds, count, checksum):
    print(json.dumps({"seconds": seconds, "count": count, "checksum": checksum}), flush=True)


def recv_exact(sock, view, n):
    got = 0
    while got < n:
        r = sock.recv_into(view[got:n])
        if r == 0:
            break
        got += r
    return got


def udp_pair():
    """W5 and W9's two bound UDP sockets, a's address, b's port and the buffers."""
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    return a, b, a.getsockname(), b.getsockname()[1], bytearray(b"\x07" * MSG), bytearray(MSG)


def nodelay(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def pingpong(cli, srv, n):
    msg = bytearray(b"\x07" * MSG)
    buf = bytearray(MSG)
    sbuf = bytearray(MSG)
    view, sview = memoryview(buf), memoryview(sbuf)
    total = 0
    for i in range(n):
        msg[0] = i & 255
        cli.send(msg)
        if srv is not None:
            got = srv.recv_into(sbuf)
            if got < MSG:
                got += recv_exact(srv, sview[got:], MSG - got)
            srv.send(sbuf)
        got = cli.recv_into(buf)
        if got < MSG:
            got += recv_exact(cli, view[got:], MSG - got)
        total += got + buf[0]
    return total


def main():
    w = sys.argv[1]
    if w == "w1":
        n = int(sys.argv[2])
        a, b = socket.socketpair()
        msg = bytearray(b"\x07" * MSG)
        buf = bytearray(MSG)
        view = memoryview(buf)
        total = 0
        t0 = time.perf_counter()
        for i in range(n):
            msg[0] = i & 255
            a.send(msg)
            got = b.recv_into(buf)
            if got < MSG:
                got += recv_exact(b, view[got:], MSG - got)
            total += got + buf[0]
        report(time.perf_counter() - t0, n, total)
    elif w == "w2":
        n = int(sys.argv[2])
        lst = listener()
        cli = socket.create_connection(lst.getsockname())
        nodelay(cli)
        srv, _ = lst.accept()
        nodelay(srv)
        t0 = time.perf_counter()
        total = pingpong(cli, srv, n)
        report(time.perf_counter() - t0, n, total)
    elif w in ("w3-server", "w4-server"):
        lst = listener()
        print(json.dumps({"port": lst.getsockname()[1]}), flush=True)
        c, _ = lst.accept()
        nodelay(c)
        if w == "w3-server":
            buf = bytearray(MSG)
            view = memoryview(buf)
            while recv_exact(c, view, MSG) == MSG:
                c.send(buf)
        else:
            buf = bytearray(CHUNK)
            total = bad = 0
            while True:
                r = c.recv_into(buf)
                if r == 0:
                    break
                if buf[0] != total & 255:
                    bad += 1
                total += r
            c.sendall(struct.pack("<dd", total, bad))
        c.close()
    elif w == "w3-client":
        cli = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
        nodelay(cli)
        n = int(sys.argv[3])
        t0 = time.perf_counter()
        total = pingpong(cli, None, n)
        t = time.perf_counter() - t0
        cli.close()
        report(t, n, total)
    elif w == "w4-client":
        cli = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
        nodelay(cli)
        nbytes = int(sys.argv[3])
        buf = bytes(i & 255 for i in range(CHUNK))
        view = memoryview(buf)
        t0 = time.perf_counter()
        sent = 0
        while sent < nbytes:
            want = min(CHUNK, nbytes - sent)
            cli.sendall(view[:want])
            sent += want
        cli.shutdown(socket.SHUT_WR)
        ack = bytearray(16)
        if recv_exact(cli, memoryview(ack), 16) != 16:
            raise SystemExit("short ack")
        t = time.perf_counter() - t0
        total, bad = struct.unpack("<dd", ack)
        report(t, nbytes, int(total) if bad == 0 else -1)
    elif w == "w5":
        n = int(sys.argv[2])
        a, b, aaddr, bport, msg, buf = udp_pair()
        total = 0
        t0 = time.perf_counter()
        for i in range(n):
            msg[0] = i & 255
            b.sendto(msg, aaddr)
            r, frm = a.recvfrom_into(buf)
            if frm[1] != bport:
                r = -1000000
            total += r + buf[0]
        report(time.perf_counter() - t0, n, total)
    elif w == "w9":
        # W9 as C's baseline: batches of 64 datagrams, one call per datagram (Python has
        # no recvmmsg/sendmmsg).
        n = int(sys.argv[2])
        a, b, aaddr, bport, msg, buf = udp_pair()
        total = 0
        t0 = time.perf_counter()
        for i in range(0, n, 64):
            k = min(64, n - i)
            for j in range(k):
                msg[0] = (i + j) & 255
                b.sendto(msg, aaddr)
            for _ in range(k):
                r, frm = a.recvfrom_into(buf)
                if frm[1] != bport:
                    r = -1000000
                total += r + buf[0]
        report(time.perf_counter() - t0, n, total)
    elif w == "w6":
        n = int(sys.argv[2])
        ok = 0
        t0 = time.perf_counter()
        for _ in range(n):
            infos = socket.getaddrinfo("localhost", 80)
            if infos[0][4][0] in ("127.0.0.1", "::1"):
                ok += 1
        report(time.perf_counter() - t0, n, ok)
    else:
        raise SystemExit(2)


main()
