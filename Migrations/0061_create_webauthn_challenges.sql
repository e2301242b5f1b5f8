-- WebAuthn challenges (issue 17): random, single use (deleted when read), short-lived, and bound
-- to the browser that asked: binding is the SHA-256 of its CSRF secret (the session's, or a
-- guest's cookie), so a challenge issued to one browser is worthless in another. In the database,
-- so any instance can finish a ceremony another began. One live challenge per binding and purpose.
-- user_handle: for a registration, the handle the browser was given (a first passkey's is new).
CREATE TABLE webauthn_challenges (
    binding     TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    challenge   BLOB    NOT NULL,
    user_handle TEXT,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (binding, purpose)
);
CREATE INDEX index_webauthn_challenges_on_expires_at ON webauthn_challenges (expires_at);
