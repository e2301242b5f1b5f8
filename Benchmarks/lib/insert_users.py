#!/usr/bin/env python3
"""Fills the users table straight through SQLite (the server must be stopped).

Usage: insert_users.py DATABASE TOTAL DIGEST
Adds users until the table holds TOTAL rows: usernames user0000001…, unique UK mobile
numbers +447400000001…, all with DIGEST (a real bcrypt digest copied from the seeded
user, so a login against any of them costs a real bcrypt). Prints how many it added.
"""
import sqlite3
import sys
import time

path, total, digest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path)
have = db.execute("SELECT count(*) FROM users").fetchone()[0]
now = int(time.time())

def rows(start, stop):
    for n in range(start, stop):
        yield (f"user{n:07d}", f"+4474{n:08d}", digest, now, now, now)

with db:   # one transaction
    db.executemany("INSERT INTO users (username, number, password_digest, number_verified_at, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", rows(have, total))
added = db.execute("SELECT count(*) FROM users").fetchone()[0] - have
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(added)
