// A tiny two-thread program (the kind `weft explore` runs many times); exits argv[1].
#include <pthread.h>
#include <stdlib.h>
static int g_counter;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static void* Worker(void* arg) {
  pthread_mutex_lock(&g_mu);
  ++g_counter;
  pthread_mutex_unlock(&g_mu);
  return 0;
}
int main(int argc, char** argv) {
  pthread_t t;
  pthread_create(&t, 0, Worker, 0);
  Worker(0);
  pthread_join(t, 0);
  return argc > 1 ? atoi(argv[1]) : (g_counter == 2 ? 0 : 1);
}
