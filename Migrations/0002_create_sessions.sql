-- Server-side sessions. The cookie holds a random token; only its SHA-256 is kept.
-- verified_at is set once the PIN is entered: until then the session is half-logged-in.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_digest  TEXT    NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret   BLOB    NOT NULL,
    verified_at   INTEGER,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX index_sessions_on_token_digest ON sessions (token_digest);
CREATE INDEX index_sessions_on_user_id ON sessions (user_id);
