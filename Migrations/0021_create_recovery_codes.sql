-- Single-use recovery codes (10 per set). Only an HMAC-SHA256 of each code is kept, under a key
-- derived from SECRET_KEY_BASE ("recovery") and bound to the user id. used_at marks a spent code.
CREATE TABLE recovery_codes (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_digest  TEXT    NOT NULL,
    used_at      INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_recovery_codes_on_user_id_and_code_digest ON recovery_codes (user_id, code_digest);
