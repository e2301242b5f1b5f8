-- A phone-number change waiting for its PIN. The new number is verified through the Verify
-- engine before it replaces the old one; until then the old number stays the login number,
-- so a change left half-way never locks anyone out. One per session; it ends with the session.
CREATE TABLE number_changes (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_number         TEXT    NOT NULL,
    verify_request_id  TEXT,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX index_number_changes_on_session_id ON number_changes (session_id);
