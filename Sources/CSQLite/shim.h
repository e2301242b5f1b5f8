#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call: one wrapper per setting used. */

/* Turns off SQLite's memory statistics. With them on (the library's default), every
 * allocation SQLite makes takes a process-wide mutex to count it, and Debian's build has no
 * lookaside (SQLITE_OMIT_LOOKASIDE), so that is every row, every statement step's scratch.
 * Must run before the library initialises (before the first connection opens). */
static inline int twofa_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
