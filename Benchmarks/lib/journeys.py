#!/usr/bin/env python3
"""Scenario 9's client: whole sign-ups or whole logins, as a browser does them, from CLIENTS threads.

Usage: journeys.py signup|login NAME BASE_URL OUTBOX SECONDS CLIENTS USERS_FILE PREFIX
  signup: each journey is a new user — GET /user/new (the CSRF token), POST /user (username, password,
          confirmation, number +4477009PPNNNN), the texted PIN read back from the SMS outbox, GET
          /verification/new, POST /verification, then GET / (signed in: the page names the user).
          Completed users are appended to USERS_FILE ("username password number" lines).
  login:  each journey logs in a user of USERS_FILE (a fresh browser: no cookies) — GET /session/new,
          POST /session, the texted PIN, GET /verification/new, POST /verification, GET /. A user is
          never in two journeys at once (they are handed out round-robin).
Journeys start for SECONDS; those under way then finish. Prints NAME_done, NAME_seconds (from the
first start to the last finish), NAME_per_s, NAME_refused (503s and throttled answers), NAME_errors
(anything else unexpected), one KEY=VALUE a line; the first few failures go to stderr. With
JOURNEYS_STEPS=1, also each step's median and 90th-percentile time to stderr (to see where a journey waits).
Standard library only; one keep-alive connection per thread.
"""
import http.client
import json
import os
import queue
import re
import sys
import threading
import time
import urllib.parse

mode, name, base, outbox_path, seconds, clients, users_file, prefix = sys.argv[1:9]
seconds, clients = float(seconds), int(clients)
assert mode in ("signup", "login")
url = urllib.parse.urlsplit(base)
TOKEN = re.compile(r'name="authenticity_token" value="([^"]*)"')
PIN = re.compile(r"\b([0-9]{6})\b")


class Failed(Exception):
    def __init__(self, kind, what):
        super().__init__(what)
        self.kind = kind   # "refused" or "error"


class Outbox:
    """The SMS outbox (one JSON object a line), read as it grows; messages by number."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""
        self.by_number = {}
        self.lock = threading.Lock()

    def _read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        for line in lines:
            if line.strip():
                m = json.loads(line)
                self.by_number.setdefault(m.get("to"), []).append(m.get("body", ""))

    def count(self, number):
        with self.lock:
            self._read()
            return len(self.by_number.get(number, []))

    def pin_after(self, number, seen, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                self._read()
                bodies = self.by_number.get(number, [])
                if len(bodies) > seen:
                    m = PIN.search(bodies[-1])
                    if not m:
                        raise Failed("error", f"no PIN in the text to {number[:7]}…")
                    return m.group(1)
            time.sleep(0.003)
        raise Failed("error", "no text reached the outbox")


class Browser:
    """One keep-alive connection and a cookie jar (a fresh jar per journey)."""

    def __init__(self):
        self.conn = None
        self.cookies = {}

    def request(self, method, path, fields=None):
        started = time.monotonic()
        body = urllib.parse.urlencode(fields) if fields is not None else None
        headers = {"Host": url.netloc, "User-Agent": "twofa-bench-journeys"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):   # a keep-alive connection the server closed meanwhile: once more
            if self.conn is None:
                self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header in resp.msg.get_all("Set-Cookie") or []:
            pair, _, attrs = header.partition(";")
            key, _, value = pair.strip().partition("=")
            if "max-age=0" in attrs.lower().replace(" ", "") or not value:
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp.status, resp.getheader("Location", ""), text, started


STEPS = {} if os.environ.get("JOURNEYS_STEPS") == "1" else None


def timed(step, started):
    if STEPS is not None:
        STEPS.setdefault(step, []).append(time.monotonic() - started)


def expect(step, got, status, location=None):
    code, where, text, started = got
    timed(step, started)
    if code == 503 or code == 429:
        raise Failed("refused", f"{step}: {code}")
    if code == 422 and ("Too many" in text or "too many" in text):
        raise Failed("refused", f"{step}: 422 (throttled)")
    if code != status or (location is not None and urllib.parse.urlsplit(where).path != location):
        raise Failed("error", f"{step}: {code} {where}")
    return text


def token(step, text):
    m = TOKEN.search(text)
    if not m:
        raise Failed("error", f"{step}: no CSRF token")
    return m.group(1)


def pin_step(b, outbox, number, seen, username):
    started = time.monotonic()
    pin = outbox.pin_after(number, seen)
    timed("PIN from the outbox", started)
    page = expect("GET /verification/new", b.request("GET", "/verification/new"), 200)
    expect("POST /verification", b.request("POST", "/verification",
                                           {"authenticity_token": token("verification", page), "code": pin}), 303, "/")
    home = expect("GET /", b.request("GET", "/"), 200)
    if username not in home:
        raise Failed("error", "GET /: the page does not name the user")


def sign_up(b, outbox, n):
    if n >= 10_000:   # the number would grow past a UK mobile's length
        raise Failed("error", "more than 10,000 sign-ups in one phase: shorten DURATION or lower the load")
    username, number = f"s9u{prefix}{n:04d}", f"+4477009{prefix}{n:04d}"
    password = f"bench-{prefix}-{n}-correct-horse"
    page = expect("GET /user/new", b.request("GET", "/user/new"), 200)
    seen = outbox.count(number)
    expect("POST /user", b.request("POST", "/user", {
        "authenticity_token": token("sign-up", page), "username": username, "password": password,
        "password_confirmation": password, "number": number}), 303, "/verification/new")
    pin_step(b, outbox, number, seen, username)
    return f"{username} {password} {number}"


def log_in(b, outbox, user):
    username, password, number = user
    page = expect("GET /session/new", b.request("GET", "/session/new"), 200)
    seen = outbox.count(number)
    expect("POST /session", b.request("POST", "/session", {
        "authenticity_token": token("login", page), "username": username, "password": password}), 303, "/verification/new")
    pin_step(b, outbox, number, seen, username)


outbox = Outbox(outbox_path)
lock = threading.Lock()
state = {"next": 0, "done": 0, "refused": 0, "errors": 0, "reported": 0, "finish": 0.0}
users = queue.Queue()
if mode == "login":
    for line in open(users_file):
        if line.strip():
            users.put(line.split())
    if users.qsize() < clients:
        sys.exit(f"journeys.py: {users.qsize()} users in {users_file}, fewer than the {clients} clients")
made = open(users_file, "a") if mode == "signup" else None
start = time.monotonic()
deadline = start + seconds


def client():
    browser = Browser()
    while time.monotonic() < deadline:
        browser.cookies = {}   # a new visitor each time
        user = None
        try:
            if mode == "signup":
                with lock:
                    n = state["next"]
                    state["next"] += 1
                line = sign_up(browser, outbox, n)
                with lock:
                    made.write(line + "\n")
                    made.flush()
            else:
                user = users.get()
                log_in(browser, outbox, user)
            with lock:
                state["done"] += 1
                state["finish"] = time.monotonic()
        except Exception as e:   # noqa: BLE001 — every failure is counted and the journey dropped
            kind = e.kind if isinstance(e, Failed) else "errors"
            with lock:
                state["refused" if kind == "refused" else "errors"] += 1
                state["finish"] = time.monotonic()
                if state["reported"] < 5:
                    state["reported"] += 1
                    print(f"journeys.py {name}: {kind}: {e}", file=sys.stderr)
        finally:
            if user is not None:
                users.put(user)


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = max(state["finish"], start + 1e-3) - start
print(f"{name}_done={state['done']}")
print(f"{name}_seconds={elapsed:.3f}")
print(f"{name}_per_s={state['done'] / elapsed:.4f}")
print(f"{name}_refused={state['refused']}")
print(f"{name}_errors={state['errors']}")
for step, times in (STEPS or {}).items():
    times.sort()
    print(f"journeys.py {name}: {step}: median {times[len(times) // 2] * 1000:.1f} ms, "
          f"90th percentile {times[int(len(times) * 0.9)] * 1000:.1f} ms ({len(times)})", file=sys.stderr)
