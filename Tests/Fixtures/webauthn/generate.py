#!/usr/bin/env python3
"""Writes the WebAuthn fixtures the Swift tests read (Tests/SecurityTests/WebAuthnTests.swift).

    pip install 'webauthn==3.*' cbor2 cryptography
    python3 Tests/Fixtures/webauthn/generate.py                    # generated.json
    python3 Tests/Fixtures/webauthn/generate.py --spec index.bs    # also spec.json, from w3c/webauthn's index.bs

generated.json: ceremonies made by a tiny software authenticator below (keys from `cryptography`,
CBOR from `cbor2`), each one also run through PyPI's `webauthn` (py_webauthn, a second, independent
verifier): a case marked "ok" is one py_webauthn accepts, a refused case one it refuses. So the
expected verdicts are not ours alone. Keys are fresh on every run; the verdicts are not.

spec.json: the W3C WebAuthn Level 3 §16 test vectors, copied byte for byte out of the spec's
source (https://github.com/w3c/webauthn, index.bs, "Test Vectors").
"""
import base64, hashlib, json, os, re, struct, sys

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
import webauthn

HERE = os.path.dirname(os.path.abspath(__file__))
RP_ID = "localhost"
ORIGIN = "http://localhost:3000"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def client_data(kind: str, challenge: bytes, origin: str = ORIGIN, cross_origin: bool = False) -> bytes:
    return json.dumps({"type": kind, "challenge": b64(challenge), "origin": origin,
                       "crossOrigin": cross_origin}, separators=(",", ":")).encode()


class Authenticator:
    """One credential of one algorithm: makes attestation objects and assertions."""

    def __init__(self, alg: int):
        self.alg = alg
        self.credential_id = os.urandom(32)
        if alg == -7:
            self.key = ec.generate_private_key(ec.SECP256R1())
            numbers = self.key.public_key().public_numbers()
            self.cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        elif alg == -257:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            numbers = self.key.public_key().public_numbers()
            self.cose = {1: 3, 3: -257, -1: numbers.n.to_bytes(256, "big"), -2: numbers.e.to_bytes(3, "big")}
        elif alg == -8:
            self.key = ed25519.Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.cose = {1: 1, 3: -8, -1: 6, -2: raw}
        self.count = 0

    def sign(self, message: bytes) -> bytes:
        if self.alg == -7:
            return self.key.sign(message, ec.ECDSA(hashes.SHA256()))
        if self.alg == -257:
            return self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(message)

    def auth_data(self, rp_id: str, flags: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cbor2.dumps(self.cose)
        return data

    def register(self, challenge: bytes, rp_id=RP_ID, origin=ORIGIN, flags=0x45, kind="webauthn.create",
                 fmt="none", cross_origin=False):
        cdj = client_data(kind, challenge, origin, cross_origin)
        ad = self.auth_data(rp_id, flags, attested=True)
        stmt = {}
        if fmt == "packed":
            stmt = {"alg": self.alg, "sig": self.sign(ad + hashlib.sha256(cdj).digest())}
        return cdj, cbor2.dumps({"fmt": fmt, "attStmt": stmt, "authData": ad})

    def assert_(self, challenge: bytes, rp_id=RP_ID, origin=ORIGIN, flags=0x05, kind="webauthn.get", tamper=False):
        self.count += 1
        cdj = client_data(kind, challenge, origin)
        ad = self.auth_data(rp_id, flags, attested=False)
        sig = self.sign(ad + hashlib.sha256(cdj).digest())
        if tamper:
            sig = sig[:-1] + bytes([sig[-1] ^ 1])
        return cdj, ad, sig


def py_webauthn_registration(cdj, att, challenge, require_uv) -> bool:
    try:
        webauthn.verify_registration_response(
            credential=json.dumps({"id": "eA", "rawId": "eA", "type": "public-key",
                                   "response": {"clientDataJSON": b64(cdj), "attestationObject": b64(att)}}),
            expected_challenge=challenge, expected_origin=ORIGIN, expected_rp_id=RP_ID,
            require_user_verification=require_uv)
        return True
    except Exception:
        return False


def py_webauthn_authentication(cdj, ad, sig, challenge, cose, cred_id, stored_count, require_uv) -> bool:
    try:
        webauthn.verify_authentication_response(
            credential=json.dumps({"id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
                                   "response": {"clientDataJSON": b64(cdj), "authenticatorData": b64(ad),
                                                "signature": b64(sig)}}),
            expected_challenge=challenge, expected_origin=ORIGIN, expected_rp_id=RP_ID,
            credential_public_key=cbor2.dumps(cose), credential_current_sign_count=stored_count,
            require_user_verification=require_uv)
        return True
    except Exception:
        return False


def generated():
    cases = []

    def registration(name, device, expect, require_uv=True, **kw):
        challenge = os.urandom(32)
        cdj, att = device.register(challenge, **kw)
        accepted = py_webauthn_registration(cdj, att, challenge, require_uv)
        # py_webauthn does not look at crossOrigin; we refuse it (we are never embedded).
        if name != "registration-cross-origin":
            assert accepted == (expect == "ok"), f"{name}: py_webauthn says {accepted}, fixture says {expect}"
        cases.append({"name": name, "ceremony": "registration", "rpID": RP_ID, "origins": [ORIGIN],
                      "challenge": b64(challenge), "requireUserVerification": require_uv,
                      "clientDataJSON": b64(cdj), "attestationObject": b64(att),
                      "credentialID": b64(device.credential_id), "alg": device.alg, "expect": expect})

    def authentication(name, device, expect, require_uv=True, **kw):
        challenge = os.urandom(32)
        stored = device.count
        cdj, ad, sig = device.assert_(challenge, **kw)
        accepted = py_webauthn_authentication(cdj, ad, sig, challenge, device.cose, device.credential_id,
                                              stored, require_uv)
        assert accepted == (expect == "ok"), f"{name}: py_webauthn says {accepted}, fixture says {expect}"
        cases.append({"name": name, "ceremony": "authentication", "rpID": RP_ID, "origins": [ORIGIN],
                      "challenge": b64(challenge), "requireUserVerification": require_uv,
                      "clientDataJSON": b64(cdj), "authenticatorData": b64(ad), "signature": b64(sig),
                      "credentialPublicKey": b64(cbor2.dumps(device.cose)), "alg": device.alg, "expect": expect})

    for alg, label in [(-7, "es256"), (-257, "rs256"), (-8, "eddsa")]:
        device = Authenticator(alg)
        registration(f"registration-{label}", device, "ok")
        registration(f"registration-{label}-packed-self", device, "ok", fmt="packed")
        authentication(f"authentication-{label}", device, "ok")
        authentication(f"authentication-{label}-bad-signature", device, "badSignature", tamper=True)

    device = Authenticator(-257)
    registration("registration-wrong-origin", device, "originNotAllowed", origin="https://evil.example")
    registration("registration-wrong-rp-id", device, "rpIDMismatch", rp_id="evil.example")
    registration("registration-wrong-type", device, "wrongType", kind="webauthn.get")
    registration("registration-no-user-presence", device, "userNotPresent", flags=0x44)
    registration("registration-no-user-verification", device, "userNotVerified", flags=0x41)
    registration("registration-cross-origin", device, "crossOrigin", cross_origin=True)
    authentication("authentication-wrong-origin", device, "originNotAllowed", origin="https://evil.example")
    authentication("authentication-wrong-rp-id", device, "rpIDMismatch", rp_id="evil.example")
    authentication("authentication-wrong-type", device, "wrongType", kind="webauthn.create")
    authentication("authentication-no-user-verification", device, "userNotVerified", flags=0x01)
    authentication("authentication-no-user-presence", device, "userNotPresent", flags=0x04)
    authentication("authentication-uv-not-required", device, "ok", require_uv=False, flags=0x01)
    return cases


def spec_vectors(index_bs: str):
    """Registration/authentication pairs from §16 that use algorithms we support."""
    text = open(index_bs, encoding="utf-8").read()
    start = text.index("# Test Vectors # {#sctn-test-vectors}")
    sections = re.split(r"\n## (.+?) ## \{#(sctn-test-vectors-[^}]+)\}", text[start:])
    wanted = ["none-es256", "packed-self-es256", "none-es256-crossOrigin", "none-es256-long-credential-id",
              "packed-rs256", "packed-eddsa"]
    out = []
    for i in range(1, len(sections) - 2, 3):
        title, anchor, body = sections[i], sections[i + 1], sections[i + 2]
        key = anchor.removeprefix("sctn-test-vectors-")
        if key not in wanted:
            continue
        halves = body.split("[=authentication ceremony|Authentication=]:")
        def values(chunk):
            return {m.group(1): m.group(2) for m in re.finditer(r"^(\w+) = h'([0-9a-f]*)'", chunk, re.M)}
        reg, auth = values(halves[0]), values(halves[1])
        out.append({"name": key, "title": title, "rpID": "example.org", "origins": ["https://example.org"],
                    "registration": {k: reg[k] for k in ("challenge", "credential_id", "clientDataJSON", "attestationObject")},
                    "authentication": {k: auth[k] for k in ("challenge", "authenticatorData", "clientDataJSON", "signature")}})
    return out


if __name__ == "__main__":
    with open(os.path.join(HERE, "generated.json"), "w") as f:
        json.dump({"source": "Tests/Fixtures/webauthn/generate.py; verdicts checked with py_webauthn "
                   + getattr(webauthn, "__version__", "?"), "cases": generated()}, f, indent=1)
        f.write("\n")
    if "--spec" in sys.argv:
        path = sys.argv[sys.argv.index("--spec") + 1]
        with open(os.path.join(HERE, "spec.json"), "w") as f:
            json.dump({"source": "W3C WebAuthn Level 3 §16 test vectors, from w3c/webauthn index.bs",
                       "vectors": spec_vectors(path)}, f, indent=1)
            f.write("\n")
