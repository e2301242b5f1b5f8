-- 0 for accounts made by passwordless sign-up: their digest is a bcrypt of random bytes
-- nobody knows, so the account forms ask for no current password until one is set.
ALTER TABLE users ADD COLUMN has_password INTEGER NOT NULL DEFAULT 1;
