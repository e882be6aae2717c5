# Echo client program: the spec's IPv4 example, with HOST and PORT taken from the
# command line when given: echo_client.py [HOST] [PORT]
import socket
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else 'daring.cwi.nl'  # The remote host
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 50007  # The same port as used by the server
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
s.sendall(b'Hello, world')
data = s.recv(1024)
s.close()
print('Received', repr(data))
