"""Runs host (Linux) programs for tests that run under Wine.

A Windows process under Wine cannot start Linux programs (python3, the oracle and the
test peers; sh; ss). scripts/run_windows.sh starts this server on the host, on a
loopback port, and tells the tests its port (SOCKET_TEST_HOST_EXEC); tests/helpers/host.ts
sends it one request per program: a JSON line {"argv": [...], "input": str|null}, then
receives frames "O <n>\\n<n bytes>" (stdout), "E <n>\\n<n bytes>" (stderr) and finally
"X <code>\\n". Closing the connection kills the program. Windows paths in argv
("Z:\\work\\x.py", Wine's view of the host root) are turned into host paths.
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading

WINPATH = re.compile(r"^[Zz]:\\")
# The root Wine runs in (a chroot): a path that is only there is found under it.
ROOT = os.environ.get("WINE_ROOT", "")


def host_path(arg):
    if WINPATH.match(arg):
        path = "/" + arg[3:].replace("\\", "/")
        if ROOT and not os.path.exists(path) and os.path.exists(ROOT + path):
            return ROOT + path
        return path
    return arg


def serve(conn):
    with conn:
        f = conn.makefile("rb")
        line = f.readline()
        if not line:
            return
        req = json.loads(line)
        argv = [host_path(a) for a in req["argv"]]
        lock = threading.Lock()

        def send_exit(code):
            with lock:
                try:
                    conn.sendall(b"X %d\n" % code)
                except OSError:
                    pass

        def send(kind, data):
            with lock:
                try:
                    conn.sendall(b"%s %d\n" % (kind, len(data)) + data)
                except OSError:
                    pass

        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as e:
            send(b"E", str(e).encode())
            send_exit(127)
            return

        def pump(stream, kind):
            while True:
                data = stream.read1(65536)
                if not data:
                    return
                send(kind, data)

        threads = [
            threading.Thread(target=pump, args=(proc.stdout, b"O"), daemon=True),
            threading.Thread(target=pump, args=(proc.stderr, b"E"), daemon=True),
        ]
        for t in threads:
            t.start()

        def watch():
            # The client closing the connection means kill().
            try:
                while conn.recv(1):
                    pass
            except OSError:
                pass
            if proc.poll() is None:
                proc.kill()

        threading.Thread(target=watch, daemon=True).start()
        try:
            if req.get("input") is not None:
                proc.stdin.write(req["input"].encode())
            proc.stdin.close()
        except OSError:
            pass
        code = proc.wait()
        for t in threads:
            t.join()
        send_exit(code if code >= 0 else 128 - code)


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    os.close(1)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
