-- Which web flow a Verify request serves: 'login' (the PIN step after a password or a
-- sign-up), 'number_change', 'passwordless'; '' for the JSON API's requests. Each flow has
-- its own live request per number, so a passwordless start can never cancel the code a
-- login is waiting for, and its own per-number send allowance (VERIFY_MAX_SENDS_PER_NUMBER
-- counts the events of one purpose; events copy it from their request at claim time).
ALTER TABLE verify_requests ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE verify_events ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
DROP INDEX index_verify_requests_live_number;
CREATE UNIQUE INDEX index_verify_requests_live_number ON verify_requests (account_id, number, purpose)
    WHERE status = 'IN PROGRESS';
