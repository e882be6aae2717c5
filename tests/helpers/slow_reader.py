"""A deliberately slow TCP reader: connects to 127.0.0.1:PORT with a small receive
buffer, reads 1 KiB every 20 ms until end of stream or reset, then prints the total
number of bytes it received as JSON.

Usage: slow_reader.py PORT
"""
import json
import socket
import sys
import time

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(20)
s.connect(("127.0.0.1", port))
total = 0
try:
    while True:
        data = s.recv(1024)
        if not data:
            break
        total += len(data)
        time.sleep(0.02)
except ConnectionResetError:
    pass
s.close()
print(json.dumps({"total": total}))
