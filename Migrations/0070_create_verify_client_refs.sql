-- Vonage Verify v2's client_ref: the caller's own tag for a request, echoed in its callbacks.
CREATE TABLE verify_client_refs (
    request_pk  INTEGER PRIMARY KEY REFERENCES verify_requests (id) ON DELETE CASCADE,
    client_ref  TEXT    NOT NULL
);
