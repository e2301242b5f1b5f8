-- A passwordless login waiting for its code, named by a random token in the browser's
-- cookie (only its SHA-256 is kept). verify_request_id is NULL when no code was sent (an
-- unknown number with sign-up off, or a throttled send): the page looks the same either
-- way, and wrong_checks then counts guesses so "tries left" behaves alike too.
CREATE TABLE passwordless_logins (
    id                 INTEGER PRIMARY KEY,
    token_digest       TEXT    NOT NULL,
    number             TEXT    NOT NULL,
    verify_request_id  TEXT,
    wrong_checks       INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_passwordless_logins_on_token_digest ON passwordless_logins (token_digest);
CREATE INDEX index_passwordless_logins_on_created_at ON passwordless_logins (created_at);
