// explain_lockorder_racy: two threads take two locks in opposite orders (a lock-order
// deadlock) — `weft explain` must name one thread's first lock before the other's.
#include <pthread.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void* a_then_b(void* arg) {
  pthread_mutex_lock(&a);  // A-FIRST
  pthread_mutex_lock(&b);  // A-SECOND
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  return arg;
}

static void* b_then_a(void* arg) {
  pthread_mutex_lock(&b);  // B-FIRST
  pthread_mutex_lock(&a);  // B-SECOND
  pthread_mutex_unlock(&a);
  pthread_mutex_unlock(&b);
  return arg;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, a_then_b, NULL);
  pthread_create(&t2, NULL, b_then_a, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  return 0;
}
