-- Which proof opened the session: 'password', or 'phone' for a passwordless code. A user with an
-- authenticator app who came in by phone must give the app (or a recovery code) next, never
-- another text to the same phone: the second-factor step reads this to refuse the SMS fallback.
ALTER TABLE sessions ADD COLUMN first_factor TEXT NOT NULL DEFAULT 'password';
