// use_after_free_racy.c — main hands a buffer to a worker under a mutex, then frees it
// without waiting for the worker to be done with it: the worker's read of the buffer races
// with main's free (a use after free when the free comes first).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long* shared;
static long seen;

static void* Worker(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  long* buffer = shared;
  pthread_mutex_unlock(&lock);
  if (buffer != NULL) seen = buffer[3];
  return NULL;
}

int main(void) {
  long* buffer = malloc(64);
  for (int i = 0; i < 8; i++) buffer[i] = i;
  pthread_t worker;
  pthread_create(&worker, NULL, Worker, NULL);
  pthread_mutex_lock(&lock);
  shared = buffer;
  pthread_mutex_unlock(&lock);
  free(buffer);
  pthread_join(worker, NULL);
  printf("seen %ld\n", seen);
  return 0;
}
