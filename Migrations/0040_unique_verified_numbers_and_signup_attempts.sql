-- A number belongs to the account that proved it with a PIN: unique only among verified
-- accounts. An unfinished sign-up (number_verified_at NULL) holds no number, so nobody can
-- squat one, and signing up with a number that has an account is answered like any other
-- sign-up (that account's owner is told by SMS instead of being sent a code).
DROP INDEX index_users_on_number;
CREATE UNIQUE INDEX index_users_on_verified_number ON users (number) WHERE number_verified_at IS NOT NULL;
CREATE INDEX index_users_on_number ON users (number);
-- Sign-up attempts per client address (SIGNUP_MAX_PER_IP within SIGNUP_WINDOW), in the
-- database so the limit holds across instances. notified_number: the verified number whose
-- owner this attempt told about it (at most one such text per number per window).
CREATE TABLE signup_attempts (
    id               INTEGER PRIMARY KEY,
    ip               TEXT    NOT NULL,
    notified_number  TEXT,
    attempted_at     INTEGER NOT NULL
);
CREATE INDEX index_signup_attempts_on_ip ON signup_attempts (ip, attempted_at);
CREATE INDEX index_signup_attempts_on_notified_number ON signup_attempts (notified_number, attempted_at);
