#!/usr/bin/env python3
"""Prints the Markdown table of scenarios 6–9 (issue 15: the write path; page views with the access log on;
sign-ups and logins at bcrypt capacity).

Usage: report_write.py RESULTS_FILE DURATION BASELINE_SECONDS
"""
import sys
from results import numbers

path, duration, base_s = sys.argv[1], sys.argv[2], sys.argv[3]
r = numbers(path)


def g(key, fmt="{:.0f}"):
    return fmt.format(r[key]) if key in r else "–"


def verdict(ok):
    return "PASS" if ok else "FAIL"


rows = []
for n, what, unit in (("6", "Verify API starts (workflow 6, fresh number)", "starts/s"),
                      ("7", "Verify API checks (a wrong code, then the right one)", "checks/s")):
    s = f"s{n}"
    if f"{s}_rps" not in r:
        continue
    ratio = r.get(f"{s}_ratio", 0)
    rows.append((f"{n}. {what}: {unit} ≥ 0.9× the raw-SQLite baseline",
                 f"{g(s + ('_checked_per_s' if n == '6' else '_rps'))} vs {g(s + '_base_rps')} = {ratio:.2f}×", verdict(ratio >= 0.9)))
    rows.append((f"{n}. p99 ≤ 10 ms at 32 connections",
                 f"{g(s + '_p99_ms', '{:.1f}')} ms (p50 {g(s + '_p50_ms', '{:.1f}')})", verdict(r.get(f'{s}_p99_ms', 1e9) <= 10)))
    rows.append((f"{n}. moonshot (informational): ≥ 1.5× the baseline", f"{ratio:.2f}×", "yes" if ratio >= 1.5 else "no"))
    rounds = [f"{r[k]:.2f}" for k in sorted(k for k in r if k.startswith(f"{s}_rounds_ratio_"))]
    extra = f"rounds: {', '.join(rounds)}"
    if f"{s}_errors" in r or f"{s}_other" in r:
        extra += f"; answers not counted as done (other): {g(s + '_other')}, socket errors {g(s + '_errors')}"
    if n == "7" and "s7_prestarted" in r:
        extra += f"; {g('s7_prestarted')} requests pre-started"
    rows.append((f"{n}. per-round ratios", extra, ""))

if "s8_rps" in r:
    ratio = r.get("s8_ratio", 0)
    rows.append(("8. page views, access log on: ≥ 0.8× nginx (access log buffered)",
                 f"{g('s8_rps')} vs {g('s8_nginx_rps')} = {ratio:.2f}×", verdict(ratio >= 0.8)))
    rows.append(("8. p99 ≤ 5 ms at 64 connections", f"{g('s8_p99_ms', '{:.1f}')} ms (nginx {g('s8_nginx_p99_ms', '{:.1f}')})",
                 verdict(r.get("s8_p99_ms", 1e9) <= 5)))
    rounds = [f"{r[k]:.2f}" for k in sorted(k for k in r if k.startswith("s8_rounds_ratio_"))]
    rows.append(("8. per-round ratios", f"rounds: {', '.join(rounds)}; access lines logged: {g('s8_log_lines')}", ""))

for phase, what in (("signup", "sign-ups"), ("login", "logins")):
    s = f"s9_{phase}"
    if f"{s}_ratio" not in r:
        continue
    ratio, trouble = r[f"{s}_ratio"], r.get(f"{s}_refused", 0) + r.get(f"{s}_errors", 0)
    rows.append((f"9. completed {what}/s ≥ 0.9× bcrypt capacity (threads ÷ single-hash time), everything they write included",
                 f"{g(s + '_per_s', '{:.2f}')}/s vs {g(s + '_capacity', '{:.2f}')}/s = {ratio:.2f}×",
                 verdict(ratio >= 0.9 and trouble == 0)))
    rounds = [f"{r[k]:.2f}" for k in sorted(k for k in r if k.startswith(f"{s}_rounds_ratio_"))]
    rows.append((f"9. {what}: per-round ratios", f"rounds: {', '.join(rounds)}; refused {g(s + '_refused')}, "
                 f"errors {g(s + '_errors')}; bcrypt threads hashing {g(s + '_ran', '{:.2f}')} of the time, "
                 f"waiting for a CPU {g(s + '_waited', '{:.2f}')}, idle {g(s + '_idle', '{:.2f}')}; "
                 f"their CPU per {what[:-1]}: {g(s + '_hashes', '{:.2f}')} single hashes", ""))
if "s9_threads" in r:
    rows.append(("9. capacity", f"{g('s9_threads')} bcrypt thread(s) at nice {g('s9_nice')}, single hash "
                 f"{g('s9_hash_ms', '{:.1f}')} ms (median of the runs between phases, cost {g('s9_cost')} via libxcrypt); "
                 f"{g('s9_clients')} concurrent journeys", ""))

print(f"\n### Issue 15 (the write path, logging on, sign-ups and logins): {duration} s wrk rounds, {base_s} s baseline rounds, medians\n")
print("| target | measured | |")
print("|---|---|---|")
for a, b, c in rows:
    print(f"| {a} | {b} | {c} |")
