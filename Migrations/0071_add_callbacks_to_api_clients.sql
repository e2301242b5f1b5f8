-- Webhooks of the Verify API (`twofa api-keys create NAME --callback-url URL`): where a client's
-- callbacks go, and the secret they are signed with (HS256, as Vonage signs). The secret must be
-- used, not only compared, so it is kept sealed (AES-GCM under a key from SECRET_KEY_BASE, the
-- api key as associated data) rather than hashed; shown once, at creation.
ALTER TABLE api_clients ADD COLUMN callback_url TEXT;
ALTER TABLE api_clients ADD COLUMN signature_secret_box BLOB;
