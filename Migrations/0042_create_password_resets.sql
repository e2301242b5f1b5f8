-- "Forgot your password?" in progress, named by a random token in the browser's cookie (only
-- its SHA-256 is kept). user_id is NULL when the answer named no account with a verified
-- number: the pages look the same and nothing is ever sent (wrong_checks then counts guesses
-- so "tries left" behaves alike). code_proven_at is set when the texted code was right; the
-- new password may be chosen for a short while after it, once: the row goes when it is used.
CREATE TABLE password_resets (
    id                 INTEGER PRIMARY KEY,
    token_digest       TEXT    NOT NULL,
    user_id            INTEGER REFERENCES users (id) ON DELETE CASCADE,
    verify_request_id  TEXT,
    wrong_checks       INTEGER NOT NULL DEFAULT 0,
    code_proven_at     INTEGER,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_password_resets_on_token_digest ON password_resets (token_digest);
CREATE INDEX index_password_resets_on_created_at ON password_resets (created_at);
CREATE INDEX index_password_resets_on_user_id ON password_resets (user_id);
CREATE INDEX index_password_resets_on_verify_request_id ON password_resets (verify_request_id);
