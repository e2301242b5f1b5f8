-- The language of a request's texts and calls (VerifyLanguage: `lg`, Twilio's `Locale`, or the
-- number's country), and for a PSD2 request (`/verify/psd2/json`, Twilio's Amount/Payee) the
-- payee and the amount in euros its texts name. The PIN's HMAC covers both, so the code proves
-- that payment and no other. Scheduled events read them from here.
ALTER TABLE verify_requests ADD COLUMN language TEXT NOT NULL DEFAULT 'en-us';
ALTER TABLE verify_requests ADD COLUMN payee TEXT;
ALTER TABLE verify_requests ADD COLUMN amount TEXT;
