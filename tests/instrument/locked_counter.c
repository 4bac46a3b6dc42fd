// locked_counter.c — two threads add to a counter under a mutex: correct everywhere.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count;

static void* Add(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, Add, NULL);
  pthread_create(&b, NULL, Add, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("count %ld\n", count);
  return count == 2000 ? 0 : 1;
}
