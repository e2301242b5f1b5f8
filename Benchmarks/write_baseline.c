/* Benchmarks/write_baseline.c — the raw-SQLite baseline of issue 15: exactly the statements one
 * Verify API start (workflow 6, SMS only, a fresh number) or one check performs in twofa today, one
 * transaction each as twofa does, on the same schema (a file `twofa migrate` made), with the same
 * connection settings (SQLiteDatabase / SQLiteConnection: a read-write "writer" in WAL with
 * synchronous=NORMAL, a read-only "reader", foreign_keys=ON, busy_timeout 5000 ms, extended result
 * codes), every statement prepared once, on one thread. The list of statements, and what it leaves
 * out (HTTP, JSON, HMAC, the access log…), is in BENCHMARKS.md ("The write path (issue 15)").
 *
 * Usage: write_baseline starts|checks DATABASE SECONDS NUMBER_PREFIX
 *   starts: starts for SECONDS, each for a number of its own (NUMBER_PREFIX + a counter), each with
 *           its SMS line appended to DATABASE.outbox.jsonl (open, write, close, as OutboxGateway does).
 *   checks: first starts enough requests (untimed), then for SECONDS: a wrong code, then the right
 *           one, per request (two checks, each with the API key's lookup and rate window).
 * Prints one line: "BASELINE mode=… n=… seconds=… starts_per_s=…" (or checks_per_s).
 * Build: gcc -O2 -o write_baseline write_baseline.c -lsqlite3 (Benchmarks/run does it). */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sqlite3 *writer, *reader;
static int setup;   /* pre-starting for checks: many starts in one transaction, untimed */
static const char *KEY = "baselinekey00001";

static void die(sqlite3 *db, const char *what) {
  fprintf(stderr, "write_baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(1);
}
static sqlite3_stmt *prep(sqlite3 *db, const char *sql) {
  sqlite3_stmt *s;
  /* SQLITE_PREPARE_PERSISTENT, as SQLiteStatement does for its cache */
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) die(db, sql);
  return s;
}
/* Runs a prepared statement to the end (collecting nothing but the first column of the last row). */
static int64_t run(sqlite3_stmt *s) {
  int rc;
  int64_t v = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  if (rc != SQLITE_DONE) die(sqlite3_db_handle(s), sqlite3_sql(s));
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return v;
}
static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}
static void text(sqlite3_stmt *s, int i, const char *v) { sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT); }
static void hex(char *out, int bytes) {
  static const char *d = "0123456789abcdef";
  for (int i = 0; i < bytes * 2; i++) out[i] = d[rand() & 15];
  out[bytes * 2] = 0;
}

/* The statements, as twofa's code has them (parameters where it binds them). */
static sqlite3_stmt *r_begin, *r_commit, *w_begin, *w_commit, *api_client, *rate, *live, *per_number,
    *budget_limit, *budget, *ins_request, *ins_event, *mark_sent, *find_request, *events_of, *ins_check,
    *wrong_check, *finalize;

static void prepare_all(void) {
  r_begin = prep(reader, "BEGIN DEFERRED");
  r_commit = prep(reader, "COMMIT");
  w_begin = prep(writer, "BEGIN IMMEDIATE");
  w_commit = prep(writer, "COMMIT");
  api_client = prep(reader, "SELECT id, name, api_key, created_at, revoked_at, secret_digest FROM api_clients WHERE api_key = ?");
  rate = prep(writer,
      "INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES (?, ?, 1)\n"
      "ON CONFLICT (api_key, window_start) DO UPDATE SET calls = api_rate_windows.calls + 1\nRETURNING calls");
#define REQUEST_COLUMNS "id, request_id, account_id, number, brand, sender_id, code_length, pin_expiry, next_event_wait, workflow_id,\n" \
  "pin_digest, pin_expires_at, status, wrong_checks, event_index, next_event_at, client_ip, created_at,\n" \
  "finalized_at, first_event_at, last_event_at, purpose"
  live = prep(writer, "SELECT " REQUEST_COLUMNS " FROM verify_requests WHERE account_id = ? AND number = ? AND purpose = ? AND status = 'IN PROGRESS'");
  per_number = prep(writer, "SELECT count(*) AS n FROM verify_events\nWHERE number = ? AND purpose = ? AND created_at > ? AND status != 'failed'");
  budget_limit = prep(writer, "SELECT daily_limit FROM verify_budgets WHERE account_id = ?");
  budget = prep(writer,
      "UPDATE verify_budgets SET sends = CASE WHEN day = ? THEN sends + 1 ELSE 1 END, day = ?\n"
      "WHERE account_id = ? AND (day <> ? OR sends < daily_limit) RETURNING sends");
  ins_request = prep(writer,
      "INSERT INTO verify_requests (request_id, account_id, number, brand, sender_id, code_length, pin_expiry,\n"
      "    next_event_wait, workflow_id, status, client_ip, created_at,\n"
      "    event_index, pin_digest, pin_expires_at, next_event_at, first_event_at, last_event_at, purpose)\n"
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'IN PROGRESS', ?, ?, 1, ?, ?, NULL, ?, ?, ?)\nRETURNING " REQUEST_COLUMNS);
  ins_event = prep(writer,
      "INSERT INTO verify_events (event_id, request_pk, type, status, number, ip, created_at, purpose)\n"
      "VALUES (?, (SELECT id FROM verify_requests WHERE request_id = ?), 'sms', 'claimed', ?, ?, ?,\n"
      "        (SELECT purpose FROM verify_requests WHERE request_id = ?))\nRETURNING id, event_id, request_pk, type, status, created_at");
  mark_sent = prep(writer, "UPDATE verify_events SET status = 'sent' WHERE id = ?");
  find_request = prep(writer, "SELECT " REQUEST_COLUMNS " FROM verify_requests WHERE request_id = ?");
  events_of = prep(writer, "SELECT id, event_id, request_pk, type, status, created_at FROM verify_events WHERE request_pk = ? ORDER BY id");
  ins_check = prep(writer, "INSERT INTO verify_checks (request_pk, code, status, ip_address, date_received) VALUES (?, ?, ?, ?, ?)");
  wrong_check = prep(writer, "UPDATE verify_requests SET wrong_checks = wrong_checks + 1 WHERE id = ?");
  finalize = prep(writer,
      "UPDATE verify_requests SET status = ?, finalized_at = ?, next_event_at = NULL, pin_digest = NULL\nWHERE id = ? AND status = ?");
}

/* The API key's lookup (a read transaction on a reader) and its rate window (a write transaction):
 * what APIRateLimiter / the API controller do before every start and check. */
static void api_gate(int64_t now) {
  if (setup) return;
  run(r_begin);
  text(api_client, 1, KEY);
  run(api_client);
  run(r_commit);
  run(w_begin);
  text(rate, 1, KEY);
  sqlite3_bind_int64(rate, 2, now - now % 60);
  run(rate);
  run(w_commit);
}

static char outbox_path[4096];

/* One start; returns the request's primary key. */
static int64_t start(const char *number, const char *request_id, int64_t now, int append) {
  char event_id[17], digest[32];
  for (int i = 0; i < 32; i++) digest[i] = (char)rand();
  hex(event_id, 8);
  api_gate(now);
  if (!setup) run(w_begin);
  text(live, 1, KEY); text(live, 2, number); text(live, 3, "");
  run(live);
  text(per_number, 1, number); text(per_number, 2, ""); sqlite3_bind_int64(per_number, 3, now - 1);
  run(per_number);
  text(budget_limit, 1, KEY);
  run(budget_limit);
  int64_t day = now / 86400;
  sqlite3_bind_int64(budget, 1, day); sqlite3_bind_int64(budget, 2, day); text(budget, 3, KEY); sqlite3_bind_int64(budget, 4, day);
  run(budget);
  int i = 1;
  text(ins_request, i++, request_id); text(ins_request, i++, KEY); text(ins_request, i++, number);
  text(ins_request, i++, "bench"); text(ins_request, i++, "verify");
  sqlite3_bind_int(ins_request, i++, 4); sqlite3_bind_int(ins_request, i++, 900); sqlite3_bind_int(ins_request, i++, 900);
  sqlite3_bind_int(ins_request, i++, 6); text(ins_request, i++, ""); sqlite3_bind_int64(ins_request, i++, now);
  sqlite3_bind_blob(ins_request, i++, digest, 32, SQLITE_TRANSIENT); sqlite3_bind_int64(ins_request, i++, now + 900);
  sqlite3_bind_int64(ins_request, i++, now); sqlite3_bind_int64(ins_request, i++, now); text(ins_request, i++, "");
  int64_t pk = run(ins_request);
  text(ins_event, 1, event_id); text(ins_event, 2, request_id); text(ins_event, 3, number); text(ins_event, 4, "");
  sqlite3_bind_int64(ins_event, 5, now); text(ins_event, 6, request_id);
  int64_t event_pk = run(ins_event);
  if (!setup) run(w_commit);
  if (append) {   /* the SMS gateway in development: OutboxGateway, one line per message */
    char line[256];
    int n = snprintf(line, sizeof line,
        "{\"to\":\"%s\",\"channel\":\"sms\",\"body\":\"Your bench code is 1234. It expires in 15 minutes.\",\"sent_at\":\"2026-01-01T00:00:00.000Z\"}\n",
        number);
    int fd = open(outbox_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, line, n) != n) { perror("outbox"); exit(1); }
    close(fd);
  }
  if (!setup) run(w_begin);
  sqlite3_bind_int64(mark_sent, 1, event_pk);
  run(mark_sent);
  if (!setup) run(w_commit);
  return pk;
}

/* One check: `right` says whether the code matched (the digest comparison itself is HMAC work in
 * twofa, not a statement, and left out here). */
static void check(const char *request_id, int right, int64_t now) {
  api_gate(now);
  run(w_begin);
  text(find_request, 1, request_id);
  int64_t pk = run(find_request);
  sqlite3_bind_int64(events_of, 1, pk);
  run(events_of);
  sqlite3_bind_int64(ins_check, 1, pk);
  if (right) sqlite3_bind_null(ins_check, 2); else text(ins_check, 2, "0000");
  text(ins_check, 3, right ? "VALID" : "INVALID"); text(ins_check, 4, ""); sqlite3_bind_int64(ins_check, 5, now);
  run(ins_check);
  if (right) {
    text(finalize, 1, "SUCCESS"); sqlite3_bind_int64(finalize, 2, now); sqlite3_bind_int64(finalize, 3, pk);
    text(finalize, 4, "IN PROGRESS");
    run(finalize);
  } else {
    sqlite3_bind_int64(wrong_check, 1, pk);
    run(wrong_check);
  }
  run(w_commit);
}

static sqlite3 *open_db(const char *path, int read_only) {
  sqlite3 *db;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) die(db, path);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA foreign_keys = ON;", NULL, NULL, NULL) != SQLITE_OK) die(db, "foreign_keys");
  return db;
}

int main(int argc, char **argv) {
  if (argc != 5 || (strcmp(argv[1], "starts") && strcmp(argv[1], "checks"))) {
    fprintf(stderr, "usage: write_baseline starts|checks DATABASE SECONDS NUMBER_PREFIX\n");
    return 2;
  }
  int checks = !strcmp(argv[1], "checks");
  const char *path = argv[2], *prefix = argv[4];
  double seconds = atof(argv[3]);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  snprintf(outbox_path, sizeof outbox_path, "%s.outbox.jsonl", path);
  writer = open_db(path, 0);
  if (sqlite3_exec(writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL, NULL, NULL) != SQLITE_OK) die(writer, "pragmas");
  /* The API client the key belongs to (twofa api-keys create makes one): once per database. */
  if (sqlite3_exec(writer,
        "INSERT OR IGNORE INTO api_clients (name, api_key, created_at, secret_digest) "
        "VALUES ('baseline', 'baselinekey00001', 0, x'00')", NULL, NULL, NULL) != SQLITE_OK) die(writer, "api_clients");
  reader = open_db(path, 1);
  prepare_all();
  char number[32], request_id[33];
  int64_t now = (int64_t)time(NULL);
  long n = 0;
  if (!checks) {
    double t0 = now_s(), t = t0;
    while (t - t0 < seconds) {
      for (int k = 0; k < 100; k++, n++) {
        snprintf(number, sizeof number, "+%s%06ld", prefix, n);
        hex(request_id, 16);
        start(number, request_id, now, 1);
      }
      t = now_s();
    }
    printf("BASELINE mode=starts n=%ld seconds=%.3f starts_per_s=%.1f\n", n, t - t0, n / (t - t0));
    return 0;
  }
  /* Checks: requests started first (untimed), as many as a fast run could check. */
  long want = (long)(seconds * 15000) / 2 + 1000;
  char (*ids)[33] = malloc((size_t)want * 33);
  setup = 1;
  for (long i = 0; i < want; i++) {
    if (i % 1000 == 0) run(w_begin);
    snprintf(number, sizeof number, "+%s%06ld", prefix, i);
    hex(ids[i], 16);
    start(number, ids[i], now, 0);
    if (i % 1000 == 999 || i == want - 1) run(w_commit);
  }
  setup = 0;
  double t0 = now_s(), t = t0;
  long i = 0;
  while (t - t0 < seconds && i < want) {
    for (int k = 0; k < 50 && i < want; k++, i++) {
      check(ids[i], 0, now);
      check(ids[i], 1, now);
      n += 2;
    }
    t = now_s();
  }
  if (i >= want) fprintf(stderr, "write_baseline: ran out of started requests after %.1f s\n", t - t0);
  printf("BASELINE mode=checks n=%ld seconds=%.3f checks_per_s=%.1f\n", n, t - t0, n / (t - t0));
  return 0;
}
