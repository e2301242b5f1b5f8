-- Security events per account (the Activity page, `twofa audit USER`). Never holds a
-- password, PIN or token; numbers only masked. user_id is NULL for a failed login with an
-- unknown username (the username itself is not kept: people type passwords there).
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    event       TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX index_audit_events_on_user_id_and_id ON audit_events (user_id, id);
