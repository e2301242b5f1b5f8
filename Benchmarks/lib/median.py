#!/usr/bin/env python3
"""Folds alternating rounds of a scenario and its nginx twin into one figure each.

Usage: median.py RESULTS_FILE NAME ROUNDS
Reads NAME_rN_* and NAME_nginx_rN_* (N = 1..ROUNDS) from RESULTS_FILE and prints
NAME_* and NAME_nginx_* as the medians over the rounds, NAME_ratio as the median of
the per-round ratios (each twofa round is paired with the nginx round right after it,
so both saw the same background load), and NAME_rounds_* with every round's req/s.
"""
import statistics
import sys

path, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = {}
for line in open(path):
    key, _, value = line.strip().partition("=")
    try:
        r[key] = float(value)
    except ValueError:
        pass

metrics = ("rps", "p50_ms", "p99_ms", "requests", "errors")
for who in (name, f"{name}_nginx"):
    for metric in metrics:
        values = [r[f"{who}_r{i}_{metric}"] for i in range(1, rounds + 1) if f"{who}_r{i}_{metric}" in r]
        if values:
            print(f"{who}_{metric}={statistics.median(values):.3f}")
ratios = [r[f"{name}_r{i}_rps"] / r[f"{name}_nginx_r{i}_rps"] for i in range(1, rounds + 1)
          if r.get(f"{name}_nginx_r{i}_rps")]
if ratios:
    print(f"{name}_ratio={statistics.median(ratios):.4f}")
    for i, value in enumerate(ratios, 1):
        print(f"{name}_rounds_ratio_{i}={value:.4f}")
