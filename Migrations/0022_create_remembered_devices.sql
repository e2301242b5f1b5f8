-- "Remember this device for 30 days": the browser holds a signed cookie naming the row and a
-- random token; the row keeps only the token's SHA-256, so deleting the row revokes the cookie.
CREATE TABLE remembered_devices (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest  TEXT    NOT NULL,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX index_remembered_devices_on_user_id ON remembered_devices (user_id);
