#!/usr/bin/env python3
"""Folds scenario 9's rounds: completed sign-ups/s and logins/s against bcrypt capacity.

Usage: capacity.py RESULTS_FILE ROUNDS
Reads s9_threads, the single-hash times s9_hash_rN{a,b}_ms (a: before round N's sign-ups, b: between
its sign-ups and its logins; s9_hash_r(ROUNDS+1)a_ms after the last logins), and each round's
s9_signup_rN_* / s9_login_rN_* (journeys.py). A phase's capacity is threads ÷ the mean of the two
hash times taken right before and right after it (the machine's speed drifts: both sides see the
same drift); its ratio is completed/s ÷ capacity. Prints, for signup and login: the per-round
ratios (s9_<phase>_rounds_ratio_N), the medians (s9_<phase>_per_s, _capacity, _ratio), and the
totals of refusals and errors over the rounds, and where the bcrypt threads' time went (medians of
shares of threads × the phase's seconds; informational): s9_<phase>_ran (on a CPU), _waited (runnable,
waiting for a CPU: other work on the machine) and _idle (no hash to do), and s9_<phase>_hashes, the
pool's CPU per completed journey in single-hash CPU times (1.0: one hash each, nothing else on the pool); and s9_hash_ms, the median of all hash times.
"""
import statistics
import sys
from results import numbers

path, rounds = sys.argv[1], int(sys.argv[2])
r = numbers(path)

threads = r["s9_threads"]
hashes = [v for k, v in r.items() if k.startswith("s9_hash_r") and k.endswith("_ms") and not k.endswith("_cpu_ms")]
print(f"s9_hash_ms={statistics.median(hashes):.2f}")
edges = {"signup": ("a", "b", 0), "login": ("b", "a", 1)}
for phase, (before, after, shift) in edges.items():
    per_s, capacity, ratios, busy, hashes = [], [], [], [], []
    refused = errors = 0
    for i in range(1, rounds + 1):
        key = f"s9_{phase}_r{i}"
        # Counted first: a round whose figures are missing must not take its refusals with it.
        refused += int(r.get(f"{key}_refused", 0))
        errors += int(r.get(f"{key}_errors", 0))
        h0, h1 = r.get(f"s9_hash_r{i}{before}_ms"), r.get(f"s9_hash_r{i + shift}{after}_ms")
        if f"{key}_per_s" not in r or h0 is None or h1 is None:
            errors += 1   # a round that left no figures is a failed round
            continue
        cap = threads / ((h0 + h1) / 2 / 1000)
        per_s.append(r[f"{key}_per_s"])
        capacity.append(cap)
        ratios.append(r[f"{key}_per_s"] / cap)
        if f"{key}_bcrypt_ran_s" in r and r.get(f"{key}_seconds"):
            pool_s = threads * r[f"{key}_seconds"]
            busy.append((r[f"{key}_bcrypt_ran_s"] / pool_s, r.get(f"{key}_bcrypt_waited_s", 0) / pool_s))
            # The pool's CPU per completed journey, in single hashes (CPU time, steady under noise): 1.0 = one
            # hash each and nothing else on the bcrypt threads.
            c0, c1 = r.get(f"s9_hash_r{i}{before}_cpu_ms"), r.get(f"s9_hash_r{i + shift}{after}_cpu_ms")
            if c0 and c1 and r.get(f"{key}_done"):
                hashes.append(r[f"{key}_bcrypt_ran_s"] * 1000 / r[f"{key}_done"] / ((c0 + c1) / 2))
        print(f"s9_{phase}_rounds_ratio_{i}={ratios[-1]:.4f}")
    if ratios:
        print(f"s9_{phase}_per_s={statistics.median(per_s):.3f}")
        print(f"s9_{phase}_capacity={statistics.median(capacity):.3f}")
        print(f"s9_{phase}_ratio={statistics.median(ratios):.4f}")
    print(f"s9_{phase}_refused={refused}")
    print(f"s9_{phase}_errors={errors}")
    if busy:
        print(f"s9_{phase}_ran={statistics.median(b[0] for b in busy):.4f}")
        print(f"s9_{phase}_waited={statistics.median(b[1] for b in busy):.4f}")
        if hashes:
            print(f"s9_{phase}_hashes={statistics.median(hashes):.3f}")
        print(f"s9_{phase}_idle={statistics.median(max(0, 1 - b[0] - b[1]) for b in busy):.4f}")
