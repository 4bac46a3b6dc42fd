/* free_events.c — the cost of one event of a free recording (bench/free_events.py).
 *
 *   free_events MODE N CPU_FILE
 *
 * MODE "one": one thread locks and unlocks a mutex N times (2N events, never contended);
 * MODE "two": two threads each do so N times on one mutex (the lock ping-pong of
 * bench/programs/pingpong.c, 4N events). Writes the process's own CPU seconds (user +
 * system, getrusage of itself: the program's share of a recording, not weft's) to
 * CPU_FILE at exit. Exit 0 when the count is right.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count, iterations;

static void* player(void* arg) {
  (void)arg;
  for (long i = 0; i < iterations; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: free_events one|two N CPU_FILE\n");
    return 2;
  }
  int threads = strcmp(argv[1], "two") == 0 ? 2 : 1;
  iterations = atol(argv[2]);
  if (threads == 1) {
    player(NULL);
  } else {
    pthread_t a, b;
    pthread_create(&a, NULL, player, NULL);
    pthread_create(&b, NULL, player, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  FILE* f = fopen(argv[3], "w");
  if (f == NULL) return 3;
  fprintf(f, "%.6f\n",
          ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
              ru.ru_stime.tv_usec / 1e6);
  fclose(f);
  return count == threads * iterations ? 0 : 1;
}
