#!/usr/bin/env python3
"""Starts twofa and waits for its first successful HTTP response.

Usage: start_server.py BINARY PORT LOGFILE
The server inherits this process's environment; its output goes to LOGFILE.
Prints "PID STARTUP_MS": the time from exec to the first 200 for GET /session/new.
Gives up (killing the server) after 60 s.
"""
import os
import socket
import subprocess
import sys
import time

binary, port, logfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
REQUEST = b"GET /session/new HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def answered_200():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(REQUEST)
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


log = open(logfile, "ab")
started = time.monotonic()
# A process group of its own (a Ctrl-C at the terminal is for Benchmarks/run, which then stops
# the server), but not a session of its own: with the kernel's autogroup scheduling
# (/proc/sys/kernel/sched_autogroup_enabled) each session is scheduled as one group and nice
# values count only inside it, so wrk's CLIENT_NICE would not count against the server.
server = subprocess.Popen([binary, "serve"], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                          preexec_fn=os.setpgrp)
deadline = started + 60
while time.monotonic() < deadline:
    if server.poll() is not None:
        sys.exit(f"twofa exited with status {server.returncode} during start-up; see {logfile}")
    if answered_200():
        print(server.pid, round((time.monotonic() - started) * 1000, 1))
        sys.exit(0)
    time.sleep(0.002)
server.kill()
sys.exit(f"twofa did not answer within 60 s; see {logfile}")
