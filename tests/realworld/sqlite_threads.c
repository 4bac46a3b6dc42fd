// sqlite_threads.c — four threads, each with its own connection to one database file,
// insert rows in transactions (retrying on SQLITE_BUSY) and then one connection prints
// the totals. The output does not depend on the interleaving.
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

enum { kThreads = 4, kRows = 50 };
static const char* g_path;

static int Exec(sqlite3* db, const char* sql) {
  for (;;) {
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) return rc;
  }
}

static void* Worker(void* arg) {
  long id = (long)arg;
  sqlite3* db;
  if (sqlite3_open(g_path, &db) != SQLITE_OK) abort();
  sqlite3_busy_timeout(db, 10000);
  char sql[128];
  for (int i = 0; i < kRows; i++) {
    snprintf(sql, sizeof sql, "INSERT INTO t(worker, value) VALUES (%ld, %d);", id, i);
    if (Exec(db, sql) != SQLITE_OK) {
      fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
      abort();
    }
  }
  sqlite3_close(db);
  return NULL;
}

static int Print(void* unused, int n, char** values, char** names) {
  (void)unused;
  for (int i = 0; i < n; i++) printf("%s=%s%s", names[i], values[i], i + 1 < n ? " " : "\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sqlite_threads DB\n");
    return 2;
  }
  g_path = argv[1];
  remove(g_path);
  sqlite3* db;
  if (sqlite3_open(g_path, &db) != SQLITE_OK) return 1;
  if (Exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(worker INTEGER, value INTEGER);")) return 1;
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; i++) pthread_create(&threads[i], NULL, Worker, (void*)i);
  for (int i = 0; i < kThreads; i++) pthread_join(threads[i], NULL);
  sqlite3_exec(db,
               "SELECT worker, count(*) AS rows, sum(value) AS total FROM t GROUP BY worker "
               "ORDER BY worker;",
               Print, NULL, NULL);
  sqlite3_close(db);
  return 0;
}
