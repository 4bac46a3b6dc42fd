// malloc_addr: prints where a 1 MiB malloc (an mmap of its own) and a small one land, from
// two threads that take turns on a mutex. A replay must print the same addresses as the
// recording: weft disables ASLR and must also keep the layout the same (e.g. load the same
// libraries in the recording and in every replay).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int turns;

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&lock);
    ++turns;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&lock);
    ++turns;
    pthread_mutex_unlock(&lock);
  }
  pthread_join(t, NULL);
  void* big = malloc(1 << 20);
  void* small = malloc(64);
  printf("big %p small %p turns %d\n", big, small, turns);
  free(big);
  free(small);
  return 0;
}
