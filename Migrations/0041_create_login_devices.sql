-- Device cookies (OWASP "slow down online guessing attacks with device cookies"): a browser
-- that completed a login holds a signed cookie for the account; its password attempts count
-- against that device, not against the account, so strangers who ban the account cannot keep
-- the owner out. login_failures.device is NULL for a stranger's attempt and the device's key
-- (SHA-256 of the cookie's nonce) otherwise. login_devices holds each device's own limits:
-- failed_logins in a row (its own 100-in-a-row lock), its ban and its lock.
ALTER TABLE login_failures ADD COLUMN device TEXT;
CREATE INDEX index_login_failures_on_device_and_failed_at ON login_failures (device, failed_at);
CREATE TABLE login_devices (
    device         TEXT    PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    banned_until   INTEGER,
    locked_at      INTEGER
);
CREATE INDEX index_login_devices_on_user_id ON login_devices (user_id);
