-- The web app's PIN step runs on the Verify engine: a session points at its request.
ALTER TABLE sessions ADD COLUMN verify_request_id TEXT;
