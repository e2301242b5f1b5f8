-- Apps that call the Verify JSON API. The secret is 32 random bytes shown once;
-- only its SHA-256 is kept (high entropy, so a fast hash is enough).
CREATE TABLE api_clients (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    api_key        TEXT    NOT NULL,
    secret_digest  BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);
CREATE UNIQUE INDEX index_api_clients_on_api_key ON api_clients (api_key);
