"""Interrupts a blocked thread with signals, then sends it a datagram, phase after phase.

Usage: signaller.py PID PORT

Signals go with tgkill(2) to the thread whose id is PID (a process's main thread),
so the system call blocked on that thread is the one interrupted. Each phase sends
its signals at 40 ms intervals, then one UDP datagram naming the phase to
127.0.0.1:PORT. Prints how many signals it sent, as JSON.
"""
import ctypes
import json
import signal
import socket
import sys
import time

SYS_TGKILL = 234  # x86_64

libc = ctypes.CDLL(None, use_errno=True)
pid, port = int(sys.argv[1]), int(sys.argv[2])

PHASES = [
    (signal.SIGUSR2, 6, b"one"),
    (signal.SIGUSR2, 6, b"two"),
    (signal.SIGUSR2, 6, b"three"),
    (signal.SIGUSR1, 6, b"four"),
]

sent = 0
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
    for signum, count, name in PHASES:
        for _ in range(count):
            time.sleep(0.04)
            if libc.syscall(SYS_TGKILL, pid, pid, int(signum)) != 0:
                raise OSError(ctypes.get_errno(), "tgkill")
            sent += 1
        time.sleep(0.04)
        out.sendto(name, ("127.0.0.1", port))
print(json.dumps({"sent": sent}))
