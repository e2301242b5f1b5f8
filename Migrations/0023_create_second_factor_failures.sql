-- Wrong authenticator-app and recovery codes at the second-factor step. Counted per session
-- (3 end it: log in again) and per user over LOGIN_FAILURE_WINDOW (LOGIN_MAX_FAILURES ban the
-- account like wrong passwords do). Kept apart from login_failures on purpose: a correct
-- password forgives those, and must not forgive guesses at the second factor.
-- session_key is the SHA-256 of the session's random CSRF secret: unlike sessions.id (SQLite
-- may reuse a deleted row's id) it names one login only.
CREATE TABLE second_factor_failures (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_key  TEXT    NOT NULL,
    failed_at    INTEGER NOT NULL
);
CREATE INDEX index_second_factor_failures_on_user_id ON second_factor_failures (user_id, failed_at);
CREATE INDEX index_second_factor_failures_on_session_key ON second_factor_failures (session_key);
