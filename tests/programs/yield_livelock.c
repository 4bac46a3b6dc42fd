/* yield_livelock.c — a thread that polls with sched_yield for a flag nobody ever sets.
 *
 * The program never ends: natively it spins forever; under weft's fair scheduling the
 * other threads still run to their end, and the poller is stopped by the step limit
 * (--max-steps), which weft reports as "livelock?", not as a pass.
 * Families: sched_yield, create/join.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static volatile int flag;
static int work_done;

static void* poller(void* arg) {
  (void)arg;
  while (!flag) sched_yield();
  return NULL;
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 10; i++) {
    work_done++;
    sched_yield();
  }
  return NULL;
}

int main(void) {
  pthread_t p, w;
  pthread_create(&p, NULL, poller, NULL);
  pthread_create(&w, NULL, worker, NULL);
  pthread_join(w, NULL);
  printf("work done: %d\n", work_done);
  pthread_join(p, NULL); /* never returns: nobody sets the flag */
  return 0;
}
