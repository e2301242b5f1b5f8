-- Password attempts for the regulation (brute-force bans), per account and per client IP.
-- A row is written *before* bcrypt runs (every attempt counts as a failure until it is
-- proven right), so parallel guesses cannot slip past the limit; a success deletes the
-- account's rows. user_id is NULL for an unknown username (it still counts for the IP).
CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    ip         TEXT    NOT NULL,
    failed_at  INTEGER NOT NULL
);
CREATE INDEX index_login_failures_on_user_id_and_failed_at ON login_failures (user_id, failed_at);
CREATE INDEX index_login_failures_on_ip_and_failed_at ON login_failures (ip, failed_at);
