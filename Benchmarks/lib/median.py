#!/usr/bin/env python3
"""Folds the rounds of a scenario into one figure per measure.

Usage: median.py RESULTS_FILE NAME ROUNDS [TWIN [MEASURE]]
Reads every NAME_rN_<measure> (N = 1..ROUNDS) from RESULTS_FILE and prints NAME_<measure>
as the median over the rounds. With TWIN (e.g. `nginx`), NAME_TWIN_rN_* are folded the same
way and NAME_ratio is the median of the per-round ratios NAME ÷ TWIN of MEASURE (default
`rps`, requests/s): each round is paired with its twin run right before or after it, so both
saw the same background load. NAME_rounds_ratio_N gives each round's.
"""
import re
import statistics
import sys
from results import numbers

path, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
twin = sys.argv[4] if len(sys.argv) > 4 else None
measure = sys.argv[5] if len(sys.argv) > 5 else "rps"
r = numbers(path)


def fold(who):
    measures = {}
    pattern = re.compile(rf"^{re.escape(who)}_r([1-9])_(.+)$")
    for key, value in r.items():
        m = pattern.match(key)
        if m and int(m.group(1)) <= rounds:
            measures.setdefault(m.group(2), []).append(value)
    for measure, values in sorted(measures.items()):
        print(f"{who}_{measure}={statistics.median(values):.3f}")


fold(name)
if twin:
    fold(f"{name}_{twin}")
    ratios = [r[f"{name}_r{i}_{measure}"] / r[f"{name}_{twin}_r{i}_{measure}"] for i in range(1, rounds + 1)
              if r.get(f"{name}_{twin}_r{i}_{measure}") and f"{name}_r{i}_{measure}" in r]
    if ratios:
        print(f"{name}_ratio={statistics.median(ratios):.4f}")
        for i, value in enumerate(ratios, 1):
            print(f"{name}_rounds_ratio_{i}={value:.4f}")
