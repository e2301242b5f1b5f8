/* Benchmarks/bcrypt_time.c — the single-hash time of scenario 9 (issue 15: sign-ups and logins at
 * bcrypt capacity): bcrypt at a given cost through the same libxcrypt calls twofa's BCrypt.hash makes
 * (crypt_gensalt_rn("$2b$", cost, 16 random bytes), then crypt_rn with a heap crypt_data), on one
 * thread, a fresh salt per hash.
 *
 * Usage: bcrypt_time COST COUNT
 * Prints one line: "BCRYPT cost=… n=… median_ms=… min_ms=… max_ms=… cpu_median_ms=…" (wall clock,
 * CLOCK_MONOTONIC, and the thread's CPU time, CLOCK_THREAD_CPUTIME_ID, per hash).
 * Build: gcc -O2 -o bcrypt_time bcrypt_time.c -lcrypt (Benchmarks/run does it). */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
static double median(double *v, int n) {
  qsort(v, n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bcrypt_time COST COUNT\n");
    return 2;
  }
  int cost = atoi(argv[1]), count = atoi(argv[2]);
  if (cost < 4 || cost > 31 || count < 1 || count > 1000) {
    fprintf(stderr, "bcrypt_time: COST must be 4–31 and COUNT 1–1000\n");
    return 2;
  }
  double *wall = calloc(count, sizeof *wall), *cpu = calloc(count, sizeof *cpu);
  struct crypt_data *data = malloc(sizeof *data);
  if (!wall || !cpu || !data) return 1;
  for (int i = 0; i < count; i++) {
    char salt[16], setting[CRYPT_GENSALT_OUTPUT_SIZE];
    for (int k = 0; k < 16; k++) salt[k] = (char)rand();
    double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    /* As BCrypt.hash: the setting, then the hash, with the crypt_data zeroed per call. */
    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, salt, 16, setting, sizeof setting)) {
      fprintf(stderr, "bcrypt_time: crypt_gensalt_rn failed\n");
      return 1;
    }
    memset(data, 0, sizeof *data);
    const char *out = crypt_rn("bench-password-0123456789", setting, data, sizeof *data);
    if (!out || out[0] == '*') {
      fprintf(stderr, "bcrypt_time: crypt_rn failed\n");
      return 1;
    }
    wall[i] = clock_ms(CLOCK_MONOTONIC) - w0;
    cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  double sorted[1000];
  memcpy(sorted, wall, count * sizeof *wall);
  qsort(sorted, count, sizeof *sorted, by_value);
  printf("BCRYPT cost=%d n=%d median_ms=%.2f min_ms=%.2f max_ms=%.2f cpu_median_ms=%.2f\n", cost, count,
         median(wall, count), sorted[0], sorted[count - 1], median(cpu, count));
  return 0;
}
