#!/usr/bin/env python3
"""The figures table of Benchmarks/cluster, from the KEY=VALUE results file (medians by median.py).

Usage: cluster_report.py RESULTS ROUNDS DURATION   → Markdown on stdout; exit 3 when a ratio target fails.
"""
import sys
from results import numbers

path, rounds, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = numbers(path, keep_text=True)


def g(key, fmt="{:,.0f}"):
    return fmt.format(r[key]) if key in r else "–"


def rounds_of(name):
    return ", ".join(f"{r[f'{name}_rounds_ratio_{i}']:.2f}" for i in range(1, rounds + 1) if f"{name}_rounds_ratio_{i}" in r)


print(f"Figures: {duration} s per wrk run, {rounds} alternating rounds (medians; ratios are medians of per-round ratios)\n")
print("| measurement | A | req/s | p50 ms | p99 ms | B | req/s | p50 ms | p99 ms | A ÷ B (rounds) |")
print("|---|---|--:|--:|--:|---|--:|--:|--:|--:|")
rows = [
    ("GET / (session), 64 conns, direct", "pages", "PostgreSQL", "sqlite", "SQLite", "rps"),
    ("Verify starts, 64 conns, direct", "starts", "PostgreSQL", "sqlite", "SQLite", "checked_per_s"),
    ("GET / (session), 64 conns, via nginx", "n3pages", "3 × PostgreSQL", "one", "1 × PostgreSQL", "rps"),
    ("Verify starts, 64 conns, via nginx", "n3starts", "3 × PostgreSQL", "one", "1 × PostgreSQL", "checked_per_s"),
]
for title, name, a, twin, b, measure in rows:
    print(f"| {title} | {a} | {g(f'{name}_{measure}')} | {g(f'{name}_p50_ms', '{:.2f}')} | {g(f'{name}_p99_ms', '{:.2f}')} "
          f"| {b} | {g(f'{name}_{twin}_{measure}')} | {g(f'{name}_{twin}_p50_ms', '{:.2f}')} | {g(f'{name}_{twin}_p99_ms', '{:.2f}')} "
          f"| {g(f'{name}_ratio', '{:.2f}')} ({rounds_of(name)}) |")
print("\nWhat one answer cost in the direct runs (CPU of the instance and of PostgreSQL's processes, "
      "PostgreSQL transactions, per answer; medians):\n")
print("| measurement | engine | twofa CPU µs | PostgreSQL CPU µs | PostgreSQL transactions |")
print("|---|---|--:|--:|--:|")
for title, name in (("GET / (session)", "pages"), ("Verify start", "starts")):
    print(f"| {title} | PostgreSQL | {g(f'{name}_app_us')} | {g(f'{name}_db_us')} | {g(f'{name}_xacts', '{:.2f}')} |")
    print(f"| {title} | SQLite | {g(f'{name}_sqlite_app_us')} | – | – |")
others = {k: v for k, v in r.items() if k.endswith("_other") or k.endswith("_errors")}
bad = {k: v for k, v in others.items() if v}
print(f"\nnon-success answers or socket errors in the medians: {', '.join(f'{k}={v:.0f}' for k, v in bad.items()) or 'none'}\n")
failed = False
print("| target | result | measured |")
print("|---|---|---|")
for label, name, target in (("PostgreSQL page views ≥ 0.9 × SQLite", "pages", 0.9),
                            ("PostgreSQL Verify starts ≥ 0.5 × SQLite", "starts", 0.5)):
    ratio = r.get(f"{name}_ratio")
    ok = ratio is not None and ratio >= target
    failed |= not ok
    print(f"| {label} | {'PASS' if ok else 'FAIL'} | {ratio if ratio is None else f'{ratio:.2f}'} × SQLite |")
sys.exit(3 if failed else 0)
