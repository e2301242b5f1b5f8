-- An authenticator app (TOTP, RFC 6238) per user. The 20-byte secret is kept only sealed with
-- AES-256-GCM under a key derived from SECRET_KEY_BASE ("totp"), the user id as associated data.
-- enabled_at stays NULL while set-up waits for the first correct code (a pending secret).
-- last_step is the newest time step accepted: a code for it or an older one is refused (replay).
CREATE TABLE totp_credentials (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_box  BLOB    NOT NULL,
    enabled_at  INTEGER,
    last_step   INTEGER,
    created_at  INTEGER NOT NULL
);
