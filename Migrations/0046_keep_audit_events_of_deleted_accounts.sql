-- A deleted account's audit trail stays for the operator, without personal data: its rows are
-- detached (user_id NULL) and named by a random tombstone ('deleted-…', `twofa audit deleted-…`)
-- instead of the username. user_id used to cascade on delete; SQLite cannot alter a foreign key,
-- so the table is rebuilt with ON DELETE SET NULL: an account deleted any other way leaves its
-- rows behind too, and a later account given the same id (SQLite may reuse it) never sees them.
-- The rows are copied in id order without their ids: PostgreSQL's identity column would not
-- move past copied ids, and nothing refers to an audit row by id.
CREATE TABLE audit_events_kept (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    tombstone   TEXT,
    event       TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
INSERT INTO audit_events_kept (user_id, event, detail, ip, user_agent, created_at)
    SELECT user_id, event, detail, ip, user_agent, created_at FROM audit_events ORDER BY id;
DROP TABLE audit_events;
ALTER TABLE audit_events_kept RENAME TO audit_events;
CREATE INDEX index_audit_events_on_user_id_and_id ON audit_events (user_id, id);
CREATE INDEX index_audit_events_on_tombstone_and_id ON audit_events (tombstone, id) WHERE tombstone IS NOT NULL;
