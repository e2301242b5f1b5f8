-- An e-mail address waiting for the code sent to it, like number_changes: one per session,
-- gone with the session; the account's address changes only when the code is right.
CREATE TABLE email_changes (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address            TEXT    NOT NULL,
    verify_request_id  TEXT,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_email_changes_on_session_id ON email_changes (session_id);
CREATE INDEX index_email_changes_on_verify_request_id ON email_changes (verify_request_id);
