-- Twilio Verify v2 face: a Service (`VA` + 32 hex) belongs to one API client (`account_sid`,
-- its `AC…` key). Its settings shape the verifications started under it; flags are 0/1.
CREATE TABLE twilio_services (
    id                            INTEGER PRIMARY KEY,
    sid                           TEXT    NOT NULL,
    account_sid                   TEXT    NOT NULL,
    friendly_name                 TEXT    NOT NULL,
    code_length                   INTEGER NOT NULL DEFAULT 6,
    custom_code_enabled           INTEGER NOT NULL DEFAULT 0,
    do_not_share_warning_enabled  INTEGER NOT NULL DEFAULT 0,
    psd2_enabled                  INTEGER NOT NULL DEFAULT 0,
    lookup_enabled                INTEGER NOT NULL DEFAULT 0,
    skip_sms_to_landlines         INTEGER NOT NULL DEFAULT 0,
    dtmf_input_required           INTEGER NOT NULL DEFAULT 0,
    tts_name                      TEXT,
    created_at                    INTEGER NOT NULL,
    updated_at                    INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_twilio_services_on_sid ON twilio_services (sid);
CREATE INDEX index_twilio_services_on_account_sid ON twilio_services (account_sid, id);
