/* diverge_file.c — a program whose run depends on a file, not on the schedule, so a replay
 * cannot follow its recording.
 *
 * It reads a counter from the file named by argv[1] (missing: 0), writes back the counter
 * plus one, and has a worker thread lock and unlock a mutex 1 + counter times. Recorded
 * with a fresh file it locks once; replayed, it finds the counter at 1 and locks twice:
 * the replay must report a divergence at the worker's second lock, where the recording
 * holds the worker's thread_exit.
 *
 * Expected outcome: "rounds = N" (N = 1 + counter), exit 0. Under `weft replay`: not
 * reproduced, diverged at that event.
 * Families: create/join, mutex lock/unlock; replay divergence.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

static pthread_mutex_t round_lock = PTHREAD_MUTEX_INITIALIZER;
static int rounds;

static void* worker(void* arg) {
  for (int i = 0; i < rounds; i++) {
    CHECK0(pthread_mutex_lock(&round_lock));
    CHECK0(pthread_mutex_unlock(&round_lock));
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: diverge_file COUNTER_FILE\n");
    return 2;
  }
  int counter = 0;
  FILE* f = fopen(argv[1], "r");
  if (f != NULL) {
    if (fscanf(f, "%d", &counter) != 1) counter = 0;
    fclose(f);
  }
  f = fopen(argv[1], "w");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  fprintf(f, "%d\n", counter + 1);
  fclose(f);
  rounds = 1 + counter;
  pthread_t t;
  CHECK0(pthread_create(&t, NULL, worker, NULL));
  CHECK0(pthread_join(t, NULL));
  printf("rounds = %d\n", rounds);
  return 0;
}
