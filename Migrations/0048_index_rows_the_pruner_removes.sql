-- The retention pruner (Pruner, `twofa db prune`) finds what it removes by age, a small batch
-- at a time: each batch must be an index range, not a scan of the whole table.
CREATE INDEX index_verify_requests_finished ON verify_requests (finalized_at) WHERE status <> 'IN PROGRESS';
CREATE INDEX index_audit_events_on_created_at ON audit_events (created_at);
CREATE INDEX index_sessions_on_last_seen_at ON sessions (last_seen_at);
CREATE INDEX index_sessions_on_created_at ON sessions (created_at);
CREATE INDEX index_signup_attempts_on_attempted_at ON signup_attempts (attempted_at);
CREATE INDEX index_login_failures_on_failed_at ON login_failures (failed_at);
CREATE INDEX index_second_factor_failures_on_failed_at ON second_factor_failures (failed_at);
CREATE INDEX index_remembered_devices_on_expires_at ON remembered_devices (expires_at);
