/* yield_ok.c — two threads pass a turn back and forth, spinning on sched_yield.
 *
 * `turn` says whose go it is; each thread waits for its turn with
 * `while (turn != me) sched_yield();`, adds to the count, and hands the turn over, 100
 * times each. Progress depends on sched_yield letting the other thread run.
 *
 * Expected outcome: "rounds = 200", exit 0.
 * Families: sched_yield, create/join.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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

enum { kRounds = 100 };

static atomic_int turn;
static int rounds;

static void* player(void* arg) {
  int me = (int)(intptr_t)arg;
  for (int i = 0; i < kRounds; i++) {
    while (atomic_load(&turn) != me) sched_yield();
    rounds++;
    atomic_store(&turn, 1 - me);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, player, (void*)(intptr_t)0));
  CHECK0(pthread_create(&b, NULL, player, (void*)(intptr_t)1));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("rounds = %d\n", rounds);
  return rounds == 2 * kRounds ? 0 : 1;
}
