#!/usr/bin/env python3
"""CPU time (user + system, seconds) used so far by processes, from /proc/PID/stat.

Usage: cpu_seconds.py [--tree] PID…   --tree: each PID and all of its descendants
(PostgreSQL's backends are children of the postmaster). Processes that are gone count 0.
"""
import os
import sys

args = sys.argv[1:]
tree = "--tree" in args
pids = {int(a) for a in args if a != "--tree"}
tick = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])   # ppid, utime + stime


table = {}
for name in os.listdir("/proc"):
    if name.isdigit():
        try:
            table[int(name)] = stat(name)
        except (OSError, IndexError, ValueError):
            pass
chosen = set(p for p in pids if p in table)
if tree:
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in chosen and pid not in chosen:
                chosen.add(pid)
                grew = True
print(f"{sum(table[p][1] for p in chosen) / tick:.3f}")
