/* sqlite_transfer_racy.c — two processes, each with its own SQLite connection to one database
 * file in the working directory, withdraw 80 from an account of 100: read, check, update.
 *
 * Modes (argv[1]): racy (default) — SELECT, then UPDATE, two autocommit statements: both
 * processes can read 100 and both withdraw; fixed — the two inside BEGIN IMMEDIATE ... COMMIT
 * (a write lock from the start; a busy timeout for the other process).
 *
 * Expected outcome: "balance 20", exit 0; the racy mode sometimes prints "overdrawn: balance
 * -60" and exits 1.
 * Families: fork, waitpid, open, read, write, process_exit (SQLite's own pread/pwrite, fcntl).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int balance(sqlite3* db) {
  sqlite3_stmt* st;
  int b = -1;
  if (sqlite3_prepare_v2(db, "SELECT balance FROM account WHERE id = 1", -1, &st, 0) != SQLITE_OK)
    return -1;
  if (sqlite3_step(st) == SQLITE_ROW) b = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return b;
}

static int withdraw(const char* path, int fixed) {
  sqlite3* db;
  if (sqlite3_open(path, &db) != SQLITE_OK) return 2;
  sqlite3_busy_timeout(db, 5000);
  if (fixed && sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) != SQLITE_OK) return 3;
  int b = balance(db);
  int took = 0;
  if (b >= 80) {
    if (sqlite3_exec(db, "UPDATE account SET balance = balance - 80 WHERE id = 1", 0, 0, 0) !=
        SQLITE_OK)
      return 4;
    took = 1;
  }
  if (fixed && sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK) return 5;
  sqlite3_close(db);
  return took ? 10 : 0;
}

int main(int argc, char** argv) {
  int fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  const char* path = "transfer.db";
  unlink(path);
  sqlite3* db;
  if (sqlite3_open(path, &db) != SQLITE_OK) return 2;
  if (sqlite3_exec(db,
                   "CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER);"
                   "INSERT INTO account VALUES (1, 100);",
                   0, 0, 0) != SQLITE_OK)
    return 2;
  sqlite3_close(db);
  fflush(stdout);
  pid_t p[2];
  for (int i = 0; i < 2; i++) {
    p[i] = fork();
    if (p[i] == 0) _exit(withdraw(path, fixed));
  }
  int errors = 0;
  for (int i = 0; i < 2; i++) {
    int st;
    waitpid(p[i], &st, 0);
    if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 10)) errors++;
  }
  sqlite3_open(path, &db);
  int b = balance(db);
  sqlite3_close(db);
  unlink(path);
  if (errors) {
    printf("error: %d withdrawals failed\n", errors);
    return 2;
  }
  if (b < 0) {
    printf("overdrawn: balance %d\n", b);
    return 1;
  }
  printf("balance %d\n", b);
  return 0;
}
