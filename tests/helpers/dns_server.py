"""A tiny authoritative DNS responder for the resolver tests (UDP only, fixed zone).

    python3 dns_server.py HOST PORT READY_FILE

Answers A, AAAA, CNAME and PTR queries from ZONE below, follows CNAMEs, gives
NXDOMAIN for unknown names and an empty answer (NODATA) for known names without
records of the asked type. Names starting with "slow" are answered after DELAY
seconds, from a timer thread, so other queries are answered meanwhile. Writes
READY_FILE once the socket is bound. It never forwards a query anywhere.
"""
import socket
import struct
import sys
import threading

DELAY = 1.5
A, CNAME, PTR, AAAA = 1, 5, 12, 28

ZONE = {
    "a.test": [(A, "10.0.0.1"), (A, "10.0.0.2"), (AAAA, "fd00::1"), (AAAA, "fd00::2")],
    "www.test": [(CNAME, "alias.test")],
    "alias.test": [(CNAME, "a.test")],
    "v4only.test": [(A, "10.0.0.4")],
    "v6only.test": [(AAAA, "fd00::6")],
    "xn--bcher-kva.test": [(A, "10.0.0.7")],
    "slow.test": [(A, "10.0.0.9")],
    "1.0.0.10.in-addr.arpa": [(PTR, "a.test")],
    "4.0.0.10.in-addr.arpa": [(PTR, "v4only.test")],
}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def parse_question(packet):
    labels, i = [], 12
    while packet[i]:
        labels.append(packet[i + 1:i + 1 + packet[i]].decode("ascii", "replace"))
        i += 1 + packet[i]
    qtype, qclass = struct.unpack("!HH", packet[i + 1:i + 5])
    return ".".join(labels), qtype, packet[12:i + 5]


def rdata(rtype, value):
    if rtype == A:
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == AAAA:
        return socket.inet_pton(socket.AF_INET6, value)
    return encode_name(value)


def answer(packet):
    qid, flags = struct.unpack("!HH", packet[:4])
    qname, qtype, question = parse_question(packet)
    name, records, rcode = qname.lower(), [], 0
    for _ in range(8):  # CNAME chain
        entries = ZONE.get(name)
        if entries is None:
            rcode = 3 if not records else 0
            break
        cnames = [v for t, v in entries if t == CNAME]
        if cnames and qtype != CNAME:
            records.append((name, CNAME, cnames[0]))
            name = cnames[0]
            continue
        records += [(name, t, v) for t, v in entries if t == qtype]
        break
    body = b""
    for owner, rtype, value in records:
        data = rdata(rtype, value)
        body += encode_name(owner) + struct.pack("!HHIH", rtype, 1, 60, len(data)) + data
    header = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | 0x80 | rcode, 1,
                         len(records), 0, 0)
    return header + question + body


def main():
    host, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    open(ready, "w").close()
    while True:
        packet, peer = sock.recvfrom(4096)
        try:
            reply = answer(packet)
        except Exception:  # noqa: BLE001 - a malformed query gets no answer
            continue
        if parse_question(packet)[0].lower().startswith("slow"):
            threading.Timer(DELAY, sock.sendto, (reply, peer)).start()
        else:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
