#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd, from PyPI) for SMTPGatewayTests: plain, STARTTLS or implicit TLS,
AUTH PLAIN/LOGIN with one user, every accepted message saved as DIR/N.json
({"mail_from","rcpt_tos","data","tls","auth"}). Prints "PORT n" once listening; exits when
its stdin closes, so a crashed test never leaves it behind.
Options: --fail-data N answers the first N DATA commands with 451 (try later);
--reject-rcpt answers every RCPT with 550 (no such mailbox); --login-only offers AUTH LOGIN, not PLAIN."""
import argparse, json, os, ssl, sys, threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
parser.add_argument("--cert"); parser.add_argument("--key")
parser.add_argument("--user", default=""); parser.add_argument("--password", default="")
parser.add_argument("--fail-data", type=int, default=0)
parser.add_argument("--reject-rcpt", action="store_true")
parser.add_argument("--login-only", action="store_true")
args = parser.parse_args()

class Handler:
    def __init__(self):
        self.count = 0
        self.failures_left = args.fail_data

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.reject_rcpt:
            return "550 5.1.1 <%s>: no such mailbox" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 try again later"
        self.count += 1
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "data": envelope.content.decode("utf-8", "replace"), "tls": bool(session.ssl) or server.transport.get_extra_info("ssl_object") is not None,
                  "auth": bool(getattr(session, "authenticated", False))}
        path = os.path.join(args.dir, "%d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 queued as %d" % self.count

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user
          and auth_data.password.decode() == args.password)
    # handled=False: aiosmtpd then answers 535 itself (its default, True, answers nothing).
    return AuthResult(success=ok, handled=False)

context = None
if args.tls != "none":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)

kwargs = dict(hostname="127.0.0.1", port=args.port)
if args.user:
    # Implicit TLS: aiosmtpd's auth_require_tls only knows STARTTLS and would hide AUTH, though
    # the whole connection is TLS.
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.tls == "starttls")
    if args.login_only:
        kwargs.update(auth_exclude_mechanism=["PLAIN"])
if args.tls == "starttls":
    kwargs.update(tls_context=context, require_starttls=True)
elif args.tls == "implicit":
    kwargs.update(ssl_context=context)
controller = Controller(Handler(), **kwargs)
controller.start()
print("PORT %d" % args.port, flush=True)
sys.stdin.read()
controller.stop()
