-- An account's verified e-mail address (issue 16): proven by a code sent to it, and, when the
-- owner chooses (`fallback`), offered at login as another way to get the second-factor code.
-- Its own table rather than columns on users: most accounts have none.
CREATE TABLE user_emails (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    address      TEXT    NOT NULL,
    verified_at  INTEGER NOT NULL,
    fallback     INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);
