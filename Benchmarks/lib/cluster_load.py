#!/usr/bin/env python3
"""Mixed load for Benchmarks/cluster: sign-ups through the PIN, logins, protected page views,
Verify API starts and checks, and Verify requests on workflow 5 (SMS, then a call after
next_event_wait) that the instances' schedulers must fire. Optionally kills one instance
(SIGKILL) at a given second. Bounded: every thread stops at the deadline.

Usage: cluster_load.py --port NGINX_PORT --outbox FILE [--outbox FILE…] --api-key K --api-secret S
                       --duration SECONDS --out RESULTS.json [--threads 8] [--kill-pid PID --kill-at SECONDS]
                       [--wf5-until SECONDS] [--run TAG]
Writes RESULTS.json: start and kill times (epoch), the sign-ups acknowledged (303 after the
PIN), the workflow-5 request ids, every failure, and requests per second.
"""
import argparse
import itertools
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_client import Client, Outbox, pin_of  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--outbox", action="append", required=True)
p.add_argument("--api-key", required=True)
p.add_argument("--api-secret", required=True)
p.add_argument("--duration", type=float, required=True)
p.add_argument("--threads", type=int, default=8)
p.add_argument("--kill-pid", type=int)
p.add_argument("--kill-at", type=float)
p.add_argument("--wf5-until", type=float, default=10.0)
p.add_argument("--wf5-wait", type=int, default=60)
p.add_argument("--run", default="c")
p.add_argument("--out", required=True)
args = p.parse_args()
assert args.host.startswith("127."), "loopback only"

outbox = Outbox(args.outbox)
log = []                       # (seconds since start, ok, what, status); list.append is atomic
acknowledged = []              # usernames whose PIN was accepted (303)
attempted = []                 # usernames whose POST /user was sent
wf5_ids = []
counter = itertools.count(1)
t0 = time.time()
deadline = t0 + args.duration
kill = {}


def record(ok, what, status):
    log.append((time.time() - t0, ok, what, status))


def killer():
    time.sleep(max(0.0, t0 + args.kill_at - time.time()))
    kill["at"] = time.time()
    os.kill(args.kill_pid, signal.SIGKILL)
    print(f"cluster_load: killed pid {args.kill_pid} (SIGKILL) at {kill['at'] - t0:.1f}s", file=sys.stderr)


def worker(index):
    rng = random.Random(index)
    users = []                 # [client, username, password, number], each with a verified session
    api = Client(args.host, args.port, log=record)

    def sign_up():
        n = next(counter)
        username = f"{args.run}{index}u{n}"
        password = f"pw-{username}-{rng.randrange(10**9)}"
        number = f"+44740{n:07d}"
        client = Client(args.host, args.port, log=record)
        attempted.append(username)
        if client.sign_up(outbox, username, password, number):
            acknowledged.append(username)
            users.append([client, username, password, number])
            if len(users) > 6:
                users.pop(0)[0].close()
        else:
            client.close()

    while time.time() < deadline:
        r = rng.random()
        elapsed = time.time() - t0
        if len(users) < 2 or r < 0.08:
            sign_up()
        elif r < 0.16:
            user = rng.choice(users)
            user[0].log_in(outbox, user[1], user[2], user[3])
        elif r < 0.60:
            client = rng.choice(users)[0]
            for _ in range(5):
                client.request("GET", "/", what="page view")
        elif r < 0.85:
            number = f"44760{next(counter):07d}"
            seen = outbox.count(number)
            request_id = api.verify_start(args.api_key, args.api_secret, number)
            if request_id:
                pin = pin_of(outbox.wait_new(number, seen))
                if pin is None:
                    record(False, "verify: no PIN in the outbox", 0)
                else:
                    api.verify_check(args.api_key, args.api_secret, request_id, pin)
        elif elapsed < args.wf5_until:
            number = f"44770{next(counter):07d}"
            request_id = api.verify_start(args.api_key, args.api_secret, number, workflow_id="5",
                                          next_event_wait=str(args.wf5_wait), pin_expiry=str(args.wf5_wait * 5))
            if request_id:
                wf5_ids.append(request_id)
        else:
            client = rng.choice(users)[0]
            client.request("GET", "/", what="page view")
    for user in users:
        user[0].close()
    api.close()


if args.kill_pid and args.kill_at is not None:
    threading.Thread(target=killer, daemon=True).start()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
for t in threads:
    t.start()
for t in threads:
    t.join(args.duration + 60)
ended = time.time()
outbox.stop()

per_second = [[0, 0] for _ in range(int(ended - t0) + 1)]
for at, ok, _, _ in log:
    per_second[min(int(at), len(per_second) - 1)][0 if ok else 1] += 1
json.dump({
    "start": t0, "end": ended, "duration": args.duration,
    "kill_at": kill.get("at"), "kill_pid": args.kill_pid,
    "requests": len(log), "ok": sum(1 for e in log if e[1]),
    "failures": [[round(at, 3), what, status] for at, ok, what, status in log if not ok],
    "per_second": per_second,
    "attempted": attempted, "acknowledged": acknowledged, "wf5": wf5_ids,
    "outbox_bad_lines": outbox.bad_lines,
}, open(args.out, "w"))
print(f"cluster_load: {len(log)} requests in {ended - t0:.1f}s, {len(acknowledged)} sign-ups acknowledged, "
      f"{len(wf5_ids)} workflow-5 requests, {sum(1 for e in log if not e[1])} failed", file=sys.stderr)
