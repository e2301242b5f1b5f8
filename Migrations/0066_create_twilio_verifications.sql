-- What the Twilio face knows of an engine request beyond the engine's row: the Service it was
-- started under and its Twilio channel. The verification's sid is `VE` + the request_id, so the
-- engine's state (status, events, checks, throttles) stays in verify_requests.
CREATE TABLE twilio_verifications (
    request_id   TEXT    NOT NULL PRIMARY KEY,
    service_sid  TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX index_twilio_verifications_on_created_at ON twilio_verifications (created_at);
