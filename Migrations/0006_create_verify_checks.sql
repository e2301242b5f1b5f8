-- Every code submitted for a Verify request. A wrong code is kept as typed (it is a
-- guess, not the PIN, and helps spot fraud); a correct one is never stored.
CREATE TABLE verify_checks (
    id             INTEGER PRIMARY KEY,
    request_pk     INTEGER NOT NULL REFERENCES verify_requests (id) ON DELETE CASCADE,
    code           TEXT,
    status         TEXT    NOT NULL,
    ip_address     TEXT    NOT NULL DEFAULT '',
    date_received  INTEGER NOT NULL
);
CREATE INDEX index_verify_checks_on_request ON verify_checks (request_pk, id);
