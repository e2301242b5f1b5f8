-- A password reset of a phone-only account asked for from a browser the account does not know
-- (a SIM swap looks exactly like that): the new password's bcrypt digest waits here until
-- held_until (PASSWORD_RESET_HOLD), while the current password keeps working. A login with the
-- current password before then cancels it. replaces_digest is the SHA-256 of the digest the
-- reset would replace: once the password has changed any other way, the held reset is void.
-- One per account: a newer reset replaces it.
CREATE TABLE held_password_resets (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_digest  TEXT    NOT NULL,
    replaces_digest  TEXT    NOT NULL,
    held_until       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_held_password_resets_on_user_id ON held_password_resets (user_id);
