// busy_timeout_ok.c — threads that wait for a lock as a database's busy handler does: try it,
// and while another holds it sleep a little (1 ms up to 100 ms) and try again, for up to
// 5 s in all. The holder keeps it for a few dozen operations of its own, and pauses a millisecond
// between two transactions. No run ever waits
// 5 s for that: a search must not let the sleeper's time pass while the holder stands still.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kThreads = 4, kRounds = 20, kWork = 30 };
static pthread_mutex_t db = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t page = PTHREAD_MUTEX_INITIALIZER;
static long rows;

static void Sleep(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

// Takes `db` as sqlite3_busy_timeout(5000) does; 0 if the time ran out.
static int Acquire(void) {
  static const long delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
  long waited = 0;
  for (int i = 0;; ++i) {
    if (pthread_mutex_trylock(&db) == 0) return 1;
    long d = delays[i < 12 ? i : 11];
    if (waited + d > 5000) return 0;
    Sleep(d);
    waited += d;
  }
}

static void* Worker(void* arg) {
  (void)arg;
  for (int r = 0; r < kRounds; ++r) {
    if (!Acquire()) {
      printf("database is locked\n");
      exit(1);
    }
    for (int w = 0; w < kWork; ++w) {  // the transaction: operations of its own
      pthread_mutex_lock(&page);
      ++rows;
      pthread_mutex_unlock(&page);
    }
    pthread_mutex_unlock(&db);
    Sleep(1);  // between two transactions, as a client does
  }
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, Worker, NULL);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  printf("rows %ld\n", rows);
  return 0;
}
