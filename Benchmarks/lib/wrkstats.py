#!/usr/bin/env python3
"""Turns the WRKSTATS line a wrk script printed into KEY=VALUE lines for the report.

Usage: wrkstats.py NAME < wrk-output
Writes NAME_rps, NAME_p50_ms, NAME_p99_ms, NAME_requests, NAME_errors and, for the
login script, NAME_checked, NAME_busy, NAME_other, NAME_other_status (per second too).
"""
import sys

name = sys.argv[1]
line = next((l for l in sys.stdin if l.startswith("WRKSTATS ")), None)
if line is None:
    sys.exit(f"{name}: wrk printed no WRKSTATS line")
v = {k: float(x) for k, x in (field.split("=") for field in line.split()[1:])}
seconds = v["duration_us"] / 1e6
out = {
    "rps": v["requests"] / seconds,
    "p50_ms": v["p50_us"] / 1000,
    "p99_ms": v["p99_us"] / 1000,
    "requests": v["requests"],
    "errors": v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"],
}
for key in ("checked", "busy", "other", "other_status"):
    if key in v:
        out[key] = v[key]
        if key != "other_status":
            out[key + "_per_s"] = v[key] / seconds
for key, value in out.items():
    print(f"{name}_{key}={value:.3f}")
