/* once_ok.c — pthread_once with an initializer that blocks.
 *
 * Four threads call pthread_once(&config_once, load_config). The initializer sleeps 5 ms
 * (a schedule point inside the once routine) before publishing the configuration, so the
 * other callers must wait for it to finish. Every thread then reads the configuration.
 *
 * Expected outcome: "once ok: init ran 1 time, 4 readers saw 42", exit 0. A caller that
 * returns from pthread_once before the initializer finished prints "saw 0" and exits 1.
 * Families: pthread_once, usleep, mutex, create/join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

enum { kThreads = 4 };

static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_runs, config_value, readers_ok;

static void load_config(void) {
  init_runs++;
  usleep(5000);
  config_value = 42;
}

static void* reader(void* arg) {
  CHECK0(pthread_once(&config_once, load_config));
  if (config_value != 42) {
    printf("saw %d\n", config_value);
    exit(1);
  }
  CHECK0(pthread_mutex_lock(&count_lock));
  readers_ok++;
  CHECK0(pthread_mutex_unlock(&count_lock));
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++) CHECK0(pthread_create(&t[i], NULL, reader, NULL));
  for (int i = 0; i < kThreads; i++) CHECK0(pthread_join(t[i], NULL));
  printf("once ok: init ran %d time, %d readers saw %d\n", init_runs, readers_ok, config_value);
  return init_runs == 1 && readers_ok == kThreads ? 0 : 1;
}
