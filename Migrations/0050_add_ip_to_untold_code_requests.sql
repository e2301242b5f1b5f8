-- The client address each "Forgot your password?" and passwordless request came from, account
-- or not: those requests are limited per address by counting these rows (UntoldRequestLimit),
-- as their sends are left out of the per-address send count (which moves only when a code
-- went out, and so would tell whether the account named exists).
ALTER TABLE password_resets ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE passwordless_logins ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX index_password_resets_on_ip ON password_resets (ip, created_at);
CREATE INDEX index_passwordless_logins_on_ip ON passwordless_logins (ip, created_at);
