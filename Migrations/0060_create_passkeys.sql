-- Passkeys (WebAuthn credentials, issue 17). credential_id and user_handle are base64url text, so
-- the unique index and lookups behave alike on both engines; public_key is the COSE_Key exactly as
-- the authenticator sent it (re-read on each use). user_handle is random per account (the same for
-- all its passkeys): what a discoverable login hands back instead of a username. sign_count is the
-- newest counter seen; clone_warned_at is set when a non-zero counter failed to increase.
CREATE TABLE passkeys (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    TEXT    NOT NULL,
    user_handle      TEXT    NOT NULL,
    public_key       BLOB    NOT NULL,
    algorithm        INTEGER NOT NULL,
    sign_count       INTEGER NOT NULL DEFAULT 0,
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    backed_up        INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER,
    clone_warned_at  INTEGER
);
CREATE UNIQUE INDEX index_passkeys_on_credential_id ON passkeys (credential_id);
CREATE INDEX index_passkeys_on_user_id ON passkeys (user_id);
CREATE INDEX index_passkeys_on_user_handle ON passkeys (user_handle);
