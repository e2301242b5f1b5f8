#!/usr/bin/env python3
"""Drives a fixed number of Verify API checks (a wrong code, then the right one), for profiling.

Usage: profile_checks.py PORT API_KEY API_SECRET OUTBOX COUNT THREADS NUMBER_PREFIX start|check
`start` starts COUNT requests (workflow 6, a fresh number each) and keeps their ids next to the SMS
outbox (OUTBOX.ids.PREFIX); `check` then reads each code from the outbox and checks every request
twice, a wrong code first: 2 × COUNT checks. Keep-alive connections, one per thread. Used under
valgrind with instrumentation switched on between the two (BENCHMARKS.md, "Where the time of a
check goes"); prints how many pairs answered 16 then 0.
"""
import http.client
import json
import re
import sys
import threading
import urllib.parse

port, key, secret, outbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
count, threads, prefix, mode = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
ids_path = f"{outbox}.ids.{prefix}"


def post(connection, path, params):
    connection.request("POST", path, urllib.parse.urlencode(params), {"Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(connection.getresponse().read())


def run(work, *args):
    ts = [threading.Thread(target=work, args=(t,) + args) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def starter(t, ids):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in range(t, count, threads):
        number = f"{prefix}{i:07d}"
        answer = post(c, "/verify/json", {"api_key": key, "api_secret": secret, "number": number, "brand": "bench",
                                          "workflow_id": "6"})
        ids[number] = answer.get("request_id", "")


def checker(t, pairs, outcomes):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for request_id, code in pairs[t::threads]:
        wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
        first = post(c, "/verify/check/json", {"api_key": key, "api_secret": secret, "request_id": request_id, "code": wrong})
        second = post(c, "/verify/check/json", {"api_key": key, "api_secret": secret, "request_id": request_id, "code": code})
        outcomes.append((first.get("status"), second.get("status")))


if mode == "start":
    ids = {}
    run(starter, ids)
    json.dump(ids, open(ids_path, "w"))
    print(f"started={sum(1 for v in ids.values() if v)} of {count}")
else:
    ids = json.load(open(ids_path))
    codes = {}
    for line in open(outbox):
        message = json.loads(line)
        found = re.search(r"\b([0-9]{4,10})\b", message.get("body", ""))
        if found:
            codes[message["to"].lstrip("+")] = found.group(1)
    pairs = [(request_id, codes[number]) for number, request_id in ids.items() if request_id and number in codes]
    outcomes = []
    run(checker, pairs, outcomes)
    print(f"checks={2 * len(outcomes)} pairs_answered_16_then_0={sum(1 for a, b in outcomes if (a, b) == ('16', '0'))}")
