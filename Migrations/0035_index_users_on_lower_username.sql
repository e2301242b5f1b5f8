-- Usernames are looked up as lower(username) = lower(?), which both engines index the same
-- way (SQLite's COLLATE NOCASE has no PostgreSQL twin). Usernames are ASCII, where lower()
-- and NOCASE agree, so uniqueness is unchanged.
CREATE UNIQUE INDEX index_users_on_lower_username ON users (lower(username));
DROP INDEX index_users_on_username;
