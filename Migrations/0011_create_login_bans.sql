-- Temporary bans: after LOGIN_MAX_FAILURES failures within LOGIN_FAILURE_WINDOW seconds,
-- the account (subject = user id) or client IP (subject = address) is refused until
-- banned_until. Kept in the database so a restart does not lift them.
CREATE TABLE login_bans (
    scope         TEXT    NOT NULL CHECK (scope IN ('user', 'ip')),
    subject       TEXT    NOT NULL,
    banned_until  INTEGER NOT NULL,
    PRIMARY KEY (scope, subject)
);
