-- Each delivery attempt of a Verify request (an SMS or a voice call).
-- status: claimed (written before sending) → sent | failed. A 'claimed' row left
-- behind means the process stopped between claim and send: that event is lost, never repeated.
-- number and ip are copied here so the send throttles count with one indexed query.
CREATE TABLE verify_events (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT    NOT NULL,
    request_pk  INTEGER NOT NULL REFERENCES verify_requests (id) ON DELETE CASCADE,
    type        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'claimed',
    number      TEXT    NOT NULL,
    ip          TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_verify_events_on_event_id ON verify_events (event_id);
CREATE INDEX index_verify_events_on_request ON verify_events (request_pk, id);
CREATE INDEX index_verify_events_on_number ON verify_events (number, created_at);
CREATE INDEX index_verify_events_on_ip ON verify_events (ip, created_at);
