#!/usr/bin/env python3
"""The correctness checks of Benchmarks/cluster, after the mixed load and the kill.

Usage: cluster_check.py RESULTS.json DATABASE_URL --outbox FILE… [--killed-outbox FILE]
                        [--grace SECONDS] [--max-late-failures N] [--wf5-wait SECONDS]
Prints PASS/FAIL lines and the throughput before and after the kill; exits 1 on any FAIL.
Reads the database with psql; waits (bounded) until the last workflow-5 call is due.
"""
import argparse
import collections
import json
import subprocess
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("results")
p.add_argument("database_url")
p.add_argument("--outbox", action="append", required=True)
p.add_argument("--killed-outbox")
p.add_argument("--grace", type=float, default=3.0)
p.add_argument("--max-late-failures", type=int, default=0)
p.add_argument("--wf5-wait", type=int, default=60)
args = p.parse_args()
r = json.load(open(args.results))
WORKFLOWS = {1: ["sms", "tts", "tts"], 2: ["sms", "sms", "tts"], 3: ["tts", "tts"], 4: ["sms", "sms"],
             5: ["sms", "tts"], 6: ["sms"], 7: ["tts"]}
failed = []


def check(name, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    if not ok:
        failed.append(name)


def sql(query):
    out = subprocess.run(["psql", args.database_url, "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def db_now():
    return int(sql("SELECT extract(epoch FROM now())::bigint")[0][0])


kill_at = r["kill_at"]
kill_rel = kill_at - r["start"] if kill_at else None
in_kill_window = (lambda t: kill_at is not None and kill_at - 2 <= t <= kill_at + args.grace)

# ---------------------------------------------------------------- wait for due events
# The workflow-5 calls fall due next_event_wait after their SMS; give the surviving
# schedulers (a tick a second) a few seconds past the last one.
row = sql("SELECT COALESCE(max(next_event_at), 0) FROM verify_requests "
          "WHERE status = 'IN PROGRESS' AND workflow_id = 5 AND next_event_at IS NOT NULL")
last_due = int(row[0][0])
limit = time.time() + args.wf5_wait + 15
while db_now() < last_due + 4 and time.time() < limit:
    time.sleep(1)
if last_due:
    print(f"info  waited until {max(0, db_now() - last_due)} s past the last due workflow-5 call")

# ---------------------------------------------------------------- sign-ups
attempted = set(r["attempted"])
acknowledged = set(r["acknowledged"])
names = sorted(attempted)
stored = set()
for i in range(0, len(names), 500):
    chunk = ",".join("'" + n.replace("'", "''") + "'" for n in names[i:i + 500])
    stored |= {row[0] for row in sql(f"SELECT username FROM users WHERE username IN ({chunk})")}
lost = acknowledged - stored
check("sign-ups kept", not lost and acknowledged,
      f"{len(acknowledged)} acknowledged (303 after the PIN), all {len(acknowledged - lost)} in users"
      + (f"; LOST: {sorted(lost)[:10]}" if lost else "")
      + f"; {len(attempted)} attempted, {len(stored)} of them stored (unacknowledged ones may or may not be)")

# ---------------------------------------------------------------- events: claims vs workflow
rows = sql("""SELECT r.id, r.request_id, r.workflow_id, r.event_index, r.status,
                     COALESCE(string_agg(e.type, ',' ORDER BY e.id), ''), count(e.id)
              FROM verify_requests r LEFT JOIN verify_events e ON e.request_pk = r.id
              GROUP BY r.id ORDER BY r.id""")
bad = []
for pk, request_id, workflow, event_index, status, types, count in rows:
    types = types.split(",") if types else []
    expected = WORKFLOWS[int(workflow)]
    if int(count) != int(event_index) or len(types) > len(expected) or types != expected[:len(types)]:
        bad.append(f"request {request_id} (workflow {workflow}, event_index {event_index}): events {types}")
check("no event claimed twice", not bad,
      f"{len(rows)} Verify requests, {sum(int(x[6]) for x in rows)} events; each request's events are a prefix "
      f"of its workflow and as many as its event_index" + (f"; BAD: {bad[:5]}" if bad else ""))

# ---------------------------------------------------------------- outbox lines vs events sent
lines = collections.Counter()      # (number, channel) → outbox lines
per_file = {}
torn = 0
for path in args.outbox:
    counts = collections.Counter()
    try:
        content = open(path, "rb").read().split(b"\n")
    except FileNotFoundError:
        content = []
    for i, raw in enumerate(content):
        if not raw.strip():
            continue
        try:
            m = json.loads(raw)
        except ValueError:
            # Only the killed instance may leave a torn last line.
            if path == args.killed_outbox and i == len(content) - 1:
                torn += 1
                continue
            raise
        lines[(m["to"].lstrip("+"), "tts" if m["channel"] == "voice" else m["channel"])] += 1
        counts[m["channel"]] += 1
    per_file[path] = counts
events = collections.defaultdict(lambda: collections.Counter())   # (number, type) → status counts
stuck = []
for number, kind, status, created in sql("SELECT number, type, status, created_at FROM verify_events"):
    events[(number.lstrip("+"), kind)][status] += 1
    if status == "claimed" and not in_kill_window(int(created)):
        stuck.append((number, kind, created))
mismatch = []
claimed_in_window = sum(c["claimed"] for c in events.values())
for key in set(lines) | set(events):
    sent, claimed = events[key]["sent"], events[key]["claimed"]
    # An event the killed process claimed but never marked may or may not have gone out.
    if not (sent <= lines[key] <= sent + claimed):
        mismatch.append(f"{key}: {lines[key]} outbox lines, {sent} sent + {claimed} claimed")
total_lines = sum(lines.values())
by_channel = collections.Counter()
for (_, channel), n in lines.items():
    by_channel[channel] += n
total_sent = sum(c["sent"] for c in events.values())
failed_events = sum(c["failed"] for c in events.values())
check("each event delivered once", not mismatch and not stuck,
      f"{total_lines} outbox lines ({', '.join(f'{k} {v}' for k, v in sorted(by_channel.items()))}) "
      f"against {total_sent} events marked sent, {claimed_in_window} left claimed at the kill, {failed_events} failed"
      + (f"; {torn} torn line in the killed instance's outbox" if torn else "")
      + (f"; MISMATCH: {mismatch[:5]}" if mismatch else "") + (f"; STUCK CLAIMS: {stuck[:5]}" if stuck else ""))
print("info  outbox lines per instance: " + "; ".join(
    f"{path.rsplit('/', 1)[-1]}: sms {c['sms']}, voice {c['voice']}" for path, c in per_file.items()))

# ---------------------------------------------------------------- due events fired
now = db_now()
overdue = sql(f"SELECT request_id, next_event_at FROM verify_requests WHERE status = 'IN PROGRESS' "
              f"AND next_event_at IS NOT NULL AND next_event_at <= {now - 3}")
check("every due event fired", not overdue,
      f"{len(overdue)} requests IN PROGRESS with next_event_at more than 3 s in the past" +
      (f": {overdue[:5]}" if overdue else ""))
wf5 = r["wf5"]
if wf5:
    ids = ",".join("'" + x + "'" for x in wf5)
    fired = sql(f"SELECT r.request_id FROM verify_requests r JOIN verify_events e ON e.request_pk = r.id "
                f"WHERE r.request_id IN ({ids}) AND e.type = 'tts'")
    lost_calls = sql(f"SELECT count(*) FROM verify_requests r JOIN verify_events e ON e.request_pk = r.id "
                     f"WHERE r.request_id IN ({ids}) AND e.type = 'tts' AND e.status = 'claimed'")[0][0]
    check("scheduled calls fired", len(fired) == len(wf5),
          f"{len(fired)} of {len(wf5)} workflow-5 requests got their call ({lost_calls} claimed by the killed "
          f"instance and lost: allowed, never repeated)")
else:
    check("scheduled calls fired", False, "no workflow-5 request was started")

# ---------------------------------------------------------------- the survivors kept answering
fails = r["failures"]
before = [f for f in fails if kill_rel is None or f[0] < kill_rel]
window = [f for f in fails if kill_rel is not None and kill_rel <= f[0] < kill_rel + args.grace]
late = [f for f in fails if kill_rel is not None and f[0] >= kill_rel + args.grace]


def summary(fs):
    return ", ".join(f"{n}× {what} ({status})" for (what, status), n in collections.Counter(
        (f[1], str(f[2])) for f in fs).most_common(6)) or "none"


check("no failures before the kill", not before, f"{len(before)} of the requests before it: {summary(before)}")
print(f"info  failures in the kill window ({args.grace:.0f} s): {len(window)}: {summary(window)}")
check("survivors kept answering", len(late) <= args.max_late_failures,
      f"{len(late)} failed requests after the kill + {args.grace:.0f} s (allowed {args.max_late_failures}): {summary(late)}")

per_second = r["per_second"]


def rate(a, b):
    a, b = max(0, int(a)), min(len(per_second), int(b))
    if b <= a:
        return 0.0
    return sum(ok for ok, _ in per_second[a:b]) / (b - a)


if kill_rel is not None:
    pre, post = rate(1, kill_rel), rate(kill_rel + args.grace, r["end"] - r["start"] - 1)
    print(f"info  throughput: {pre:.0f} req/s before the kill (1 s–{kill_rel:.0f} s), {post:.0f} req/s after "
          f"({kill_rel + args.grace:.0f} s–end), {r['ok']} of {r['requests']} requests answered as expected")
    print(f"RESULT before_rps={pre:.1f} after_rps={post:.1f} requests={r['requests']} failed={len(fails)} "
          f"window_failures={len(window)} late_failures={len(late)} signups={len(acknowledged)} wf5={len(wf5)}")
sys.exit(1 if failed else 0)
