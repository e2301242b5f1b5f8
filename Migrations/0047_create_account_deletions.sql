-- Deleting an account asks for the password and a second factor. For an account without an
-- authenticator app that factor is a code texted to its verified number: the request it was
-- sent under waits here, one per session, and ends with the session (or the account).
CREATE TABLE account_deletions (
    session_id         INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    verify_request_id  TEXT    NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX index_account_deletions_on_user_id ON account_deletions (user_id);
-- When this session last gave the password again (the data page's "show my full number"):
-- the full number is shown, and put in the download, for a few minutes after.
ALTER TABLE sessions ADD COLUMN reauthenticated_at INTEGER;
