-- Set by `twofa users reset-second-factor` (a lost phone, no app or recovery codes): the
-- account's next login, after the password, must enter and prove a number with a texted code
-- before anything else. Cleared when that number is proven. The reset also clears
-- number_verified_at, so the old number no longer finds the account (passwordless login) and
-- is free for whoever proves it next.
ALTER TABLE users ADD COLUMN second_factor_reset_at INTEGER;
