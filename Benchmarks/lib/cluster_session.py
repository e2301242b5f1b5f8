#!/usr/bin/env python3
"""Signs a user up through the real web flow (form, POST /user, PIN from the outbox, POST
/verification) and prints the verified session's Cookie header value, for wrk.

Usage: cluster_session.py PORT USERNAME NUMBER OUTBOX [OUTBOX…]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_client import Client, Outbox  # noqa: E402

port, username, number, outboxes = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
outbox = Outbox(outboxes)
client = Client("127.0.0.1", port)
ok = client.sign_up(outbox, username, f"pw-{username}-benchmark", number)
outbox.stop()
if not ok or "twofa_session" not in client.cookies:
    sys.exit(f"cluster_session.py: the sign-up of {username} on port {port} failed")
status, page = client.request("GET", "/")
if status != 200 or username not in page:
    sys.exit(f"cluster_session.py: GET / answered {status} after the sign-up")
print(f"twofa_session={client.cookies['twofa_session']}")
