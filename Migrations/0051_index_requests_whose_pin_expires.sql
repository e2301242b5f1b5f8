-- The Verify scheduler expires finished requests every second (`VerifyRequest.expireFinished`:
-- in progress, no event left, PIN expired). With the due index on next_event_at alone, "no event
-- left" (next_event_at IS NULL) matched every live request of a one-event workflow, so each
-- sweep read all of them inside a write transaction: 50 ms a second at 100,000 live requests,
-- every write waiting behind it. With pin_expires_at second, the sweep is a range of the index.
DROP INDEX index_verify_requests_due;
CREATE INDEX index_verify_requests_due ON verify_requests (next_event_at, pin_expires_at) WHERE status = 'IN PROGRESS';
