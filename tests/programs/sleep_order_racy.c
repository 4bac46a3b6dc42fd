/* sleep_order_racy.c — main "waits" for a helper thread with sleep(1) instead of joining it.
 *
 * The helper sets up the configuration under the lock; main sleeps one second, assuming the
 * helper is done by then, and uses it. On a loaded machine the helper may not have run yet
 * after that second: main then finds no configuration and exits 1. Under weft, the end of a
 * sleep is a scheduling decision (time passing is a choice), so the late helper is explored.
 *
 * Expected outcome: mostly "config = 42" (exit 0); the bug: "main used the configuration
 * before the helper set it", exit 1.
 * Families: create/join, mutex_lock, sleep.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int config;

static void* helper(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  config = 42;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, helper, NULL);
  sleep(1); /* "long enough" */
  pthread_mutex_lock(&lock);
  int seen = config;
  pthread_mutex_unlock(&lock);
  if (seen != 42) {
    printf("main used the configuration before the helper set it\n");
    return 1;
  }
  pthread_join(t, NULL);
  printf("config = %d\n", seen);
  return 0;
}
