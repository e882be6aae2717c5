# Echo server program: the spec's IPv4 example, with HOST and PORT taken from the
# command line when given (tests use a free port): echo_server.py [HOST] [PORT]
import socket
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else ''  # Symbolic name meaning all available interfaces
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 50007  # Arbitrary non-privileged port
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((HOST, PORT))
s.listen(1)
conn, addr = s.accept()
print('Connected by', addr)
while True:
    data = conn.recv(1024)
    if not data: break
    conn.sendall(data)
conn.close()
