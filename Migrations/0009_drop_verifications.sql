-- The Verify engine (verify_requests) replaced the PIN-per-session table.
DROP TABLE verifications;
