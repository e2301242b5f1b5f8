#!/usr/bin/env python3
"""Heap allocations (valgrind dhat) or instructions (callgrind) of N requests of one kind.

Usage: alloc_count.py BINARY dhat|callgrind page|verify|check N WORKDIR
Starts `BINARY serve` under valgrind on a fresh SQLite database in WORKDIR, signs a user up
and enters the PIN (page) or creates an API key (verify, check), sends N requests on one keep-alive
connection (GET / with the session cookie, or POST /verify/json, each for a number of its own;
check: starts CHECK_STARTS requests, 1000 unless set, whatever N is, then checks the first N of
them twice, a wrong code and then the right one, so two runs differ by 2 × ΔN checks alone),
stops the server with SIGTERM and prints one line (BENCH_LOG_LEVEL=info: with the access log on,
its lines in WORKDIR/valgrind.log):
    ALLOC blocks=… bytes=…        (dhat: the whole run's heap allocations)
    INSTR ir=…                    (callgrind: the whole run's instructions)
The run includes start-up and the set-up requests; two runs with different N, subtracted,
leave the cost of N₂ − N₁ requests (see BENCHMARKS.md).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

binary, tool, kind, n, work = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
os.makedirs(work, exist_ok=True)
for f in os.listdir(work):
    os.remove(os.path.join(work, f))
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
# APP_ROOT: the checkout the binary was built in (BINARY is CHECKOUT/.build/release/twofa).
root = os.environ.get("APP_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(binary))))
env = dict(os.environ, APP_ENV="development", APP_ROOT=root, PORT=str(port), HOST="127.0.0.1",
           DATABASE_URL=f"{work}/db.sqlite3", SMS_GATEWAY="outbox", SMS_OUTBOX=f"{work}/outbox.jsonl",
           SECRET_KEY_BASE="ab" * 64, BCRYPT_COST="4", LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "warning"))


def read_response(f):
    """Status, headers (lower-case names, Set-Cookie values as a list) and body of one response."""
    status = int(f.readline().split()[1])
    headers, cookies = {}, []
    while (line := f.readline().rstrip(b"\r\n")):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie":
            cookies.append(value.strip())
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while (size := int(f.readline().strip(), 16)):
            body += f.read(size)
            f.readline()
        f.readline()
    else:
        body = f.read(int(headers.get("content-length", "0")))
    return status, headers, cookies, body


class Client:
    """One keep-alive connection with a cookie jar."""

    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")
        self.jar = {}

    def request(self, method, path, form=None):
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        if self.jar:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.jar.items()) + "\r\n"
        if form is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)
        status, headers, cookies, data = read_response(self.f)
        for c in cookies:
            name, _, value = c.split(";")[0].partition("=")
            self.jar[name] = value
        return status, data.decode(errors="replace")


def token(html):
    return re.search(r'name="authenticity_token" value="([^"]*)"', html).group(1)


api = None
if kind in ("verify", "check"):
    # One client address and one key start them all: lift the per-address and per-key limits.
    env.update(VERIFY_MAX_SENDS_PER_IP="100000", VERIFY_API_RATE_LIMIT="1000000")
    out = subprocess.run([binary, "api-keys", "create", "bench"], env=env, capture_output=True, text=True, check=True)
    api = [re.search(rf"^{f}: (\S+)", out.stdout, re.M).group(1) for f in ("api_key", "api_secret")]

# Valgrind 3.19 writes into rt_sigsuspend's mask argument, and libdispatch's (dispatch_main) is a
# static const: valgrind dies on it. A preloaded sigsuspend hands the kernel a writable copy.
SHIM = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8); }
"""
open(f"{work}/shim.c", "w").write(SHIM)
subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", f"{work}/shim.so", f"{work}/shim.c"], check=True)
env["LD_PRELOAD"] = f"{work}/shim.so"

out_file = f"{work}/{tool}.out"
log = open(f"{work}/valgrind.log", "wb")
server = subprocess.Popen(["valgrind", f"--tool={tool}", f"--{tool}-out-file={out_file}", binary, "serve"],
                          env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
deadline = time.monotonic() + 600
while True:
    if server.poll() is not None or time.monotonic() > deadline:
        server.kill()
        sys.exit(f"the server did not start; see {work}/valgrind.log")
    try:
        c = Client()
        if c.request("GET", "/session/new")[0] == 200:
            break
    except (OSError, IndexError, ValueError):   # not listening yet, or no answer
        time.sleep(0.2)

def start(client, i):
    """Starts a Verify request for the i-th number; returns its id."""
    status, body = client.request("POST", "/verify/json", {
        "api_key": api[0], "api_secret": api[1], "number": f"4477{i:08d}", "brand": "bench",
        "next_event_wait": "900", "pin_expiry": "900"})
    started = status == 200 and '"status":"0"' in body
    if not started:
        server.kill()
    assert started, f"Verify start answered {status}: {body}"
    return json.loads(body)["request_id"]


c = Client()
if kind == "page":
    number = "+447700900000"
    _, html = c.request("GET", "/user/new")
    status, _ = c.request("POST", "/user", {"authenticity_token": token(html), "username": "bench",
                                            "password": "bench-password-1", "password_confirmation": "bench-password-1",
                                            "number": number})
    assert status == 303, f"sign-up answered {status}"
    lines = [json.loads(l) for l in open(f"{work}/outbox.jsonl") if l.strip()]
    pin = re.search(r"\b[0-9]{6}\b", [m["body"] for m in lines if m.get("to") == number][-1]).group(0)
    _, html = c.request("GET", "/verification/new")
    status, _ = c.request("POST", "/verification", {"authenticity_token": token(html), "code": pin})
    assert status == 303, f"PIN entry answered {status}"
    c.jar = {"twofa_session": c.jar["twofa_session"]}
    for _ in range(n):
        status, html = c.request("GET", "/")
        if not (status == 200 and "bench" in html):
            server.kill()
        assert status == 200 and "bench" in html, f"GET / answered {status}"
elif kind == "verify":
    for i in range(n):
        start(c, i)
else:
    starts = int(os.environ.get("CHECK_STARTS", "1000"))
    assert n <= starts, f"N ({n}) must not exceed CHECK_STARTS ({starts})"
    ids = [start(c, i) for i in range(starts)]
    pins = {}
    for line in open(f"{work}/outbox.jsonl"):
        if line.strip():
            message = json.loads(line)
            pins[message["to"].lstrip("+")] = re.search(r"\b[0-9]{4,10}\b", message["body"]).group(0)
    for i in range(n):
        pin = pins[f"4477{i:08d}"]
        wrong = "0000" if pin != "0000" else "1111"
        for code, want in ((wrong, '"status":"16"'), (pin, '"status":"0"')):
            status, body = c.request("POST", "/verify/check/json", {
                "api_key": api[0], "api_secret": api[1], "request_id": ids[i], "code": code})
            if not (status == 200 and want in body):
                server.kill()
            assert status == 200 and want in body, f"Verify check answered {status}: {body}"

server.send_signal(signal.SIGTERM)
server.wait(timeout=600)
text = open(f"{work}/valgrind.log").read()
if tool == "dhat":
    m = re.search(r"Total:\s+([\d,]+) bytes in ([\d,]+) blocks", text)
    print(f"ALLOC blocks={m.group(2).replace(',', '')} bytes={m.group(1).replace(',', '')}")
else:
    m = re.search(r"Collected :\s+(\d+)", text)
    print(f"INSTR ir={m.group(1)}")
