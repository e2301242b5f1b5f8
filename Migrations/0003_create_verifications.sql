-- One PIN sent to one number for one session. The PIN itself is never stored:
-- pin_digest is HMAC-SHA256 under a key derived from SECRET_KEY_BASE.
-- status: pending → verified | failed (too many wrong codes) | cancelled (replaced).
-- Expiry is derived from expires_at rather than stored as a status.
CREATE TABLE verifications (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    number       TEXT    NOT NULL,
    channel      TEXT    NOT NULL DEFAULT 'sms',
    pin_digest   BLOB    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    verified_at  INTEGER
);
CREATE INDEX index_verifications_on_session_id ON verifications (session_id, id);
