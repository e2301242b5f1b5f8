-- Custom codes (Vonage's `pin_code`, Twilio's CustomCode): only an API client allowed them
-- (`twofa api-keys custom-codes KEY on`) may choose its users' codes; others get status 20.
-- A custom code is sent again by later events, so the request keeps it, sealed (AES-256-GCM
-- under a key derived from the PIN key, bound to the request id), until the request ends.
ALTER TABLE api_clients ADD COLUMN custom_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verify_requests ADD COLUMN custom_code BLOB;
