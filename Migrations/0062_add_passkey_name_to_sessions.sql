-- The Sessions page says "signed in with a passkey" (issue 17): the passkey's name at the time.
ALTER TABLE sessions ADD COLUMN passkey_name TEXT;
