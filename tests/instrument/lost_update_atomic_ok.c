// lost_update_atomic_ok.c — lost_update_racy.c fixed with an atomic counter: each `count++`
// is one atomic read-modify-write, so no update is lost.
#include <pthread.h>
#include <stdio.h>

static _Atomic long count;

static void* Add(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) count++;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, Add, NULL);
  pthread_create(&b, NULL, Add, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("count = %ld\n", (long)count);
  return count == 2000 ? 0 : 1;
}
