-- Verify API calls per key in fixed 60-second windows (VERIFY_API_RATE_LIMIT). In the
-- database, not in memory, so the limit holds across every instance; a key keeps only its
-- current and previous window.
CREATE TABLE api_rate_windows (
    api_key       TEXT    NOT NULL,
    window_start  INTEGER NOT NULL,
    calls         INTEGER NOT NULL,
    PRIMARY KEY (api_key, window_start)
);
