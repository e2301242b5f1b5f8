-- Daily budgets of Verify accounts (an API key: `twofa api-keys create NAME --daily-limit N`,
-- `twofa api-keys limit KEY N|none`). A row only for an account with a limit: `sends` counts
-- its texts and calls (scheduled ones too) on UTC day `day` (days since 1970); the engine
-- moves it on with one conditional UPDATE that refuses past `daily_limit` (Verify status 9).
CREATE TABLE verify_budgets (
    account_id   TEXT    NOT NULL PRIMARY KEY,
    daily_limit  INTEGER NOT NULL,
    day          INTEGER NOT NULL DEFAULT 0,
    sends        INTEGER NOT NULL DEFAULT 0
);
-- VERIFY_MAX_SENDS_PER_HOUR: starts to numbers not yet verified, site-wide, per UTC clock
-- hour (hours since 1970). One conditional upsert per such start; the scheduler drops old hours.
CREATE TABLE verify_hourly_sends (
    hour   INTEGER NOT NULL PRIMARY KEY,
    sends  INTEGER NOT NULL
);
