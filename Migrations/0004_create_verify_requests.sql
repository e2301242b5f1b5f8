-- One Verify request (the engine behind the web app's PIN step and the JSON API).
-- The PIN is never stored: pin_digest is HMAC-SHA256 (key "pin" from SECRET_KEY_BASE)
-- of "<request_id>:<pin>". Each event delivers a fresh PIN; only the newest works.
-- Scheduler state lives here so a restart neither loses nor repeats an event:
--   event_index    events already claimed (0 before the first one)
--   next_event_at  when the scheduler fires the next event; NULL when none is left
-- status: IN PROGRESS → SUCCESS | FAILED | EXPIRED | CANCELLED (Vonage's words).
CREATE TABLE verify_requests (
    id               INTEGER PRIMARY KEY,
    request_id       TEXT    NOT NULL,
    account_id       TEXT    NOT NULL,
    number           TEXT    NOT NULL,
    brand            TEXT    NOT NULL,
    sender_id        TEXT    NOT NULL DEFAULT 'verify',
    code_length      INTEGER NOT NULL,
    pin_expiry       INTEGER NOT NULL,
    next_event_wait  INTEGER NOT NULL,
    workflow_id      INTEGER NOT NULL,
    pin_digest       BLOB,
    pin_expires_at   INTEGER,
    status           TEXT    NOT NULL DEFAULT 'IN PROGRESS',
    wrong_checks     INTEGER NOT NULL DEFAULT 0,
    event_index      INTEGER NOT NULL DEFAULT 0,
    next_event_at    INTEGER,
    client_ip        TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    finalized_at     INTEGER,
    first_event_at   INTEGER,
    last_event_at    INTEGER
);
CREATE UNIQUE INDEX index_verify_requests_on_request_id ON verify_requests (request_id);
-- One request in progress per number and account: the database decides races.
CREATE UNIQUE INDEX index_verify_requests_live_number ON verify_requests (account_id, number)
    WHERE status = 'IN PROGRESS';
CREATE INDEX index_verify_requests_due ON verify_requests (next_event_at) WHERE status = 'IN PROGRESS';
