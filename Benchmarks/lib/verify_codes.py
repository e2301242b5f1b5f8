#!/usr/bin/env python3
"""Pairs pre-started Verify requests with their codes from the SMS outbox (scenario 7).

Usage: verify_codes.py OUTBOX ROUNDS OUT_PREFIX STARTED_FILE...
STARTED_FILE lines: "REQUEST_ID NUMBER" (verify_start.lua with STARTED_FILE). Each number got exactly one SMS,
whose body holds the code. Writes OUT_PREFIX.1 … OUT_PREFIX.ROUNDS, one slice of the requests
each, lines "REQUEST_ID CODE", and prints s7_prestarted=N for the results file.
"""
import json
import re
import sys

outbox, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
codes = {}
for line in open(outbox):
    if not line.strip():
        continue
    m = json.loads(line)
    code = re.search(r"\b([0-9]{4,10})\b", m.get("body", ""))
    if code:
        codes[m["to"].lstrip("+")] = code.group(1)
pairs = []
for path in sys.argv[4:]:
    for line in open(path):
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("+") in codes:
            pairs.append((parts[0], codes[parts[1].lstrip("+")]))
if len(pairs) < rounds * 100:
    sys.exit(f"verify_codes.py: only {len(pairs)} started requests with codes")
size = len(pairs) // rounds
for r in range(rounds):
    with open(f"{out}.{r + 1}", "w") as f:
        for rid, code in pairs[r * size:(r + 1) * size]:
            f.write(f"{rid} {code}\n")
print(f"s7_prestarted={len(pairs)}")
