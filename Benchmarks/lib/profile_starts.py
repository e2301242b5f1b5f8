#!/usr/bin/env python3
"""Drives a fixed number of Verify API starts (workflow 6, a fresh number each), for profiling.

Usage: profile_starts.py PORT API_KEY API_SECRET COUNT [THREADS] [NUMBER_PREFIX]
Keep-alive connections, one per thread (default 8), COUNT starts in all; prints how many answered
status 0 and the wall time. Used under valgrind (BENCHMARKS.md, "Where the time of a start goes").
"""
import http.client
import sys
import threading
import time
import urllib.parse

port, key, secret, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 8
prefix = sys.argv[6] if len(sys.argv) > 6 else "44780"
ok = [0] * threads


def worker(t):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in range(t, count, threads):
        body = urllib.parse.urlencode({"api_key": key, "api_secret": secret, "number": f"{prefix}{i:07d}",
                                       "brand": "bench", "workflow_id": "6"})
        c.request("POST", "/verify/json", body, {"Content-Type": "application/x-www-form-urlencoded"})
        answer = c.getresponse().read()
        if b'"status":"0"' in answer:
            ok[t] += 1


t0 = time.monotonic()
ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(f"started={sum(ok)} of {count} in {time.monotonic() - t0:.1f} s")
