-- NIST SP 800-63B caps consecutive failed password attempts per account at 100:
-- failed_logins counts them (reset by a success); at the cap locked_at is set and only
-- `twofa users unlock USER` clears it.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at INTEGER;
