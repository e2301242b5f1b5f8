#!/usr/bin/env python3
"""Opens N keep-alive connections to 127.0.0.1:PORT, sends one request on each
(GET /session/new, the page an idle visitor would have open), reads each response,
then holds them all open without a word.

Usage: idle_connections.py PORT N HOLD_SECONDS
Prints "READY <open> <failed>" once all are idle, then holds until HOLD_SECONDS pass
or SIGTERM arrives. Bounded in count (N) and time (HOLD_SECONDS, and
60 s to get them open).
"""
import resource
import selectors
import signal
import socket
import sys
import time

port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = count + 64
if soft < want:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(want, soft), hard), hard))
    except (ValueError, OSError):
        pass
soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < want:
    sys.exit(f"open-file limit {soft} is too low for {count} connections (raise ulimit -n)")

REQUEST = b"GET /session/new HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
deadline = time.monotonic() + 60
sockets, failed = [], 0
selector = selectors.DefaultSelector()
pending = {}
BATCH = 500   # connect a batch, send, read the answers, then the next batch

def complete(data):
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(data) >= end + 4 + length

while len(sockets) + failed < count and time.monotonic() < deadline:
    batch = []
    for _ in range(min(BATCH, count - len(sockets) - failed)):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(REQUEST)
            s.setblocking(False)
            batch.append(s)
            pending[s] = b""
            selector.register(s, selectors.EVENT_READ)
        except OSError:
            failed += 1
    while pending and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                selector.unregister(s); del pending[s]; s.close(); batch.remove(s); failed += 1
                continue
            pending[s] += chunk
            if complete(pending[s]):
                ok = pending[s].startswith(b"HTTP/1.1 200")
                selector.unregister(s); del pending[s]
                if not ok:
                    batch.remove(s); s.close(); failed += 1
    sockets.extend(batch)

print("READY", len(sockets), failed, flush=True)
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
end = time.monotonic() + hold
while not stop and time.monotonic() < end:
    time.sleep(0.2)
for s in sockets:
    s.close()
