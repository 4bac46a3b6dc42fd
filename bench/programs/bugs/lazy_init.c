/* lazy_init.c — lazy initialisation with the check outside the lock's section: three
 * threads each look up a shared table, and the first to find it missing builds it. The
 * check and the build are two sections, so two threads can both find it missing and both
 * build it (the second build loses the first one's entries). Exit 1 on the bug. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int built, builds;

static void* user(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  int have = built;
  pthread_mutex_unlock(&lock);
  if (!have) {
    pthread_mutex_lock(&lock); /* the bug: no second look */
    builds++;
    built = 1;
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  int use = built;
  pthread_mutex_unlock(&lock);
  (void)use;
  return NULL;
}

int main(void) {
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, user, NULL);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  if (builds != 1) {
    printf("the table was built %d times\n", builds);
    return 1;
  }
  return 0;
}
