/* poll_sleep_racy.c — main "waits" for a helper thread with a readiness wait on no
 * descriptor, an old idiom for a short sleep, instead of joining it.
 *
 * The helper fills in the configuration under the lock; main sleeps with poll(NULL, 0, 1000)
 * (argument "select": select(0, NULL, NULL, NULL, {1, 0})), assuming the helper is done by
 * then, and uses it. On a loaded machine the helper may not have run yet: main then finds
 * no configuration and exits 1. Under weft such a call is a sleep: its end is a decision.
 *
 * Expected outcome: mostly "config = 7" (exit 0); the bug: "main used the configuration
 * before the helper set it", exit 1.
 * Families: create/join, mutex_lock, poll, select.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int config;

static void* helper(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  config = 7;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  pthread_t t;
  pthread_create(&t, NULL, helper, NULL);
  if (argc > 1 && strcmp(argv[1], "select") == 0) {
    struct timeval tv = {1, 0};
    if (select(0, NULL, NULL, NULL, &tv) != 0 || tv.tv_sec != 0 || tv.tv_usec != 0) {
      printf("select did not sleep as Linux does\n");
      return 2;
    }
  } else if (poll(NULL, 0, 1000) != 0) {
    printf("poll did not sleep\n");
    return 2;
  }
  pthread_mutex_lock(&lock);
  int seen = config;
  pthread_mutex_unlock(&lock);
  if (seen != 7) {
    printf("main used the configuration before the helper set it\n");
    return 1;
  }
  pthread_join(t, NULL);
  printf("config = %d\n", seen);
  return 0;
}
