// read_then_write_racy.c — three threads read a flag that main clears without a lock after
// they started: the readers' reads race with main's write. The reads make the flag
// read-shared (no schedule points); the write still races with every unordered read, and
// a reader that sees the flag cleared fails the program (exit 1).
#include <pthread.h>
#include <stdio.h>

static int ready = 1;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* Reader(void* arg) {
  (void)arg;
  int seen = 0;
  for (int i = 0; i < 50; i++) seen += ready;
  if (seen != 50) {
    pthread_mutex_lock(&lock);
    failures++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[3];
  for (int t = 0; t < 3; t++) pthread_create(&threads[t], NULL, Reader, NULL);
  ready = 0;
  for (int t = 0; t < 3; t++) pthread_join(threads[t], NULL);
  printf("failures %d\n", failures);
  return failures != 0;
}
