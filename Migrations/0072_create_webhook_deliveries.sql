-- Callbacks waiting to reach an API client's callback URL: one row per request and kind
-- ('event', 'summary'), written when the request has ended (WebhookDeliverer's sweep), so the
-- unique index makes several instances' sweeps harmless. Delivery is claimed by moving
-- next_attempt_at past a lease; a 2xx sets delivered_at and clears next_attempt_at; a failure
-- sets the next attempt with backoff, until give_up_at. An instance that dies mid-delivery
-- leaves the row due again when the lease runs out: at least once, the same jti each time.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    request_pk       INTEGER NOT NULL REFERENCES verify_requests (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    api_key          TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    jti              TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    give_up_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0,
    delivered_at     INTEGER,
    last_error       TEXT
);
CREATE UNIQUE INDEX index_webhook_deliveries_on_request_and_kind ON webhook_deliveries (request_pk, kind);
CREATE INDEX index_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
