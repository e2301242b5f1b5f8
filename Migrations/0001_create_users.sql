-- Accounts. Usernames are unique regardless of case (ASCII only, so NOCASE is exact);
-- numbers are stored in E.164 and unique.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL,
    number              TEXT    NOT NULL,
    password_digest     TEXT    NOT NULL,
    number_verified_at  INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_users_on_username ON users (username COLLATE NOCASE);
CREATE UNIQUE INDEX index_users_on_number ON users (number);
