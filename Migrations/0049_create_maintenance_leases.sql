-- One pruner at a time across every instance and `twofa db prune`, on both engines: a pass
-- holds the row named 'prune' (holder = that pruner's random id) until expires_at, renewing
-- it with each batch and releasing it (expires_at = 0) at the end. A pruner that died
-- mid-pass holds it until expires_at.
CREATE TABLE maintenance_leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
