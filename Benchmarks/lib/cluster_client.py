"""A small HTTP client for twofa's web pages and Verify API, for Benchmarks/cluster.

Standard library only. One `Client` is one browser: its own keep-alive connection to one
base URL and its own cookie jar. `Outbox` follows the development outbox files of every
instance (JSON lines {"to","channel","body","sent_at"}) so a flow can wait for its PIN,
whichever instance sent it.
"""
import http.client
import json
import re
import threading
import time
import urllib.parse

TOKEN = re.compile(r'name="authenticity_token" value="([^"]*)"')
PIN = re.compile(r"\b([0-9]{4,8})\b")


class Outbox:
    """Tails several outbox files; `wait_new(number, seen)` returns the body of the first
    line to `number` after the first `seen` ones (the PIN of a send just asked for)."""

    def __init__(self, paths):
        self.paths = list(paths)
        self.offsets = {p: 0 for p in self.paths}
        self.partial = {p: b"" for p in self.paths}
        self.by_number = {}
        self.bad_lines = 0
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _read_once(self):
        got = False
        for path in self.paths:
            try:
                with open(path, "rb") as f:
                    f.seek(self.offsets[path])
                    data = f.read()
            except FileNotFoundError:
                continue
            if not data:
                continue
            self.offsets[path] += len(data)
            data = self.partial[path] + data
            *lines, self.partial[path] = data.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                try:
                    m = json.loads(line)
                except ValueError:
                    self.bad_lines += 1
                    continue
                with self.cond:
                    self.by_number.setdefault(m["to"].lstrip("+"), []).append(m)
                got = True
        if got:
            with self.cond:
                self.cond.notify_all()

    def _run(self):
        while not self.stopping:
            self._read_once()
            time.sleep(0.02)

    def count(self, number):
        with self.cond:
            return len(self.by_number.get(number.lstrip("+"), []))

    def wait_new(self, number, seen, timeout=10.0):
        key = number.lstrip("+")
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.by_number.get(key, [])) <= seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.by_number[key][seen]["body"]

    def stop(self):
        self.stopping = True
        self.thread.join(2)


def api_ok(status, text):
    """A Verify API answer with status "0" (Vonage's success)."""
    if status != 200:
        return False
    try:
        return json.loads(text).get("status") == "0"
    except ValueError:
        return False


def pin_of(body):
    m = PIN.search(body or "")
    return m.group(1) if m else None


class Client:
    def __init__(self, host, port, timeout=10.0, log=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None
        self.cookies = {}
        self.log = log   # log(ok: bool, what: str, status) after every request

    def request(self, method, path, form=None, expect=(200,), what=None, judge=None):
        """Returns (status, body text); status 0 = the connection failed. Logged as ok when
        the status is one of `expect` (or when `judge(status, text)` says so)."""
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Host": f"{self.host}:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, text = 0, ""
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                status = resp.status
                for k, v in resp.getheaders():
                    if k.lower() == "set-cookie":
                        name, _, rest = v.partition("=")
                        value = rest.split(";", 1)[0]
                        if value == "" or "max-age=0" in v.lower():
                            self.cookies.pop(name, None)
                        else:
                            self.cookies[name] = value
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A keep-alive connection the server closed while idle: one retry on a new
                # connection, as a browser does. A second failure counts.
                self.close()
                if attempt == 2:
                    status, text = 0, repr(e)
            except (OSError, http.client.HTTPException) as e:
                self.close()
                status, text = 0, repr(e)
                break
        if self.log:
            ok = judge(status, text) if judge else status in expect
            self.log(ok, what or f"{method} {path}", status if ok or status != 200 else f"200 {text[:120]}")
        return status, text

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def token(self, path, what):
        status, text = self.request("GET", path, what=what)
        m = TOKEN.search(text)
        return m.group(1) if status == 200 and m else None

    # ------------------------------------------------------------- flows
    def enter_pin(self, outbox, number, seen, what):
        """After a send: waits for the PIN, GET /verification/new, POST /verification."""
        pin = pin_of(outbox.wait_new(number, seen))
        if pin is None:
            if self.log:
                self.log(False, f"{what}: no PIN in the outbox", 0)
            return False
        token = self.token("/verification/new", f"{what}: GET /verification/new")
        if token is None:
            return False
        status, _ = self.request("POST", "/verification", {"authenticity_token": token, "code": pin},
                                 expect=(303,), what=f"{what}: POST /verification")
        return status == 303

    def sign_up(self, outbox, username, password, number):
        """The whole sign-up: form, POST /user, PIN from the outbox, POST /verification.
        True when the PIN was acknowledged (303): the account is then verified."""
        self.cookies.clear()
        token = self.token("/user/new", "sign-up: GET /user/new")
        if token is None:
            return False
        seen = outbox.count(number)
        status, _ = self.request("POST", "/user", {
            "authenticity_token": token, "username": username, "password": password,
            "password_confirmation": password, "number": number}, expect=(303,), what="sign-up: POST /user")
        if status != 303:
            return False
        return self.enter_pin(outbox, number, seen, "sign-up")

    def log_in(self, outbox, username, password, number):
        self.cookies.clear()
        token = self.token("/session/new", "login: GET /session/new")
        if token is None:
            return False
        seen = outbox.count(number)
        status, _ = self.request("POST", "/session", {"authenticity_token": token, "username": username,
                                                      "password": password}, expect=(303,), what="login: POST /session")
        if status != 303:
            return False
        return self.enter_pin(outbox, number, seen, "login")

    def verify_start(self, key, secret, number, **extra):
        form = {"api_key": key, "api_secret": secret, "number": number, "brand": "bench", **extra}
        status, text = self.request("POST", "/verify/json", form, what="verify: start", judge=api_ok)
        return json.loads(text)["request_id"] if api_ok(status, text) else None

    def verify_check(self, key, secret, request_id, code):
        status, text = self.request("POST", "/verify/check/json", {
            "api_key": key, "api_secret": secret, "request_id": request_id, "code": code},
            what="verify: check", judge=api_ok)
        return api_ok(status, text)
