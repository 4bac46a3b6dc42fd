// explain_order_racy: a thread uses a configuration another thread sets up, with no order
// between them beyond a lock — the order violation `weft explain` must name: the user's
// check before the initialiser ran at all.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int* config = NULL;

static void* init_config(void* arg) {
  pthread_mutex_lock(&m);
  config = malloc(sizeof *config);
  *config = 42;
  pthread_mutex_unlock(&m);
  return arg;
}

static void* use_config(void* arg) {
  pthread_mutex_lock(&m);  // USE-LINE
  int ready = config != NULL;
  pthread_mutex_unlock(&m);
  if (!ready) {
    printf("used the configuration before it was set up\n");
    exit(3);
  }
  return arg;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, init_config, NULL);
  pthread_create(&b, NULL, use_config, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  free(config);
  return 0;
}
