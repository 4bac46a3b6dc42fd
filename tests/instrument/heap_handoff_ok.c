// heap_handoff_ok.c — a producer allocates a buffer, fills it and hands it to a consumer
// through a one-slot mailbox under a mutex; the consumer checks it and frees it outside
// the lock, and the producer allocates the next one, 200 times. The allocator hands the
// freed blocks out again, so a block one thread freed is soon the other's new buffer: no
// happens-before weft sees orders the consumer's reads and free before the producer's
// writes to the reused block (glibc's arena lock is no weft sync object), and none is
// needed. Correct everywhere: no data race, exit 0.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 2048  // beyond glibc's per-thread cache: freed blocks go back to the arena
#define ROUNDS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long* slot;
static int bad;

static void* Consumer(void* arg) {
  (void)arg;
  for (int round = 0; round < ROUNDS; round++) {
    pthread_mutex_lock(&lock);
    while (slot == NULL) pthread_cond_wait(&changed, &lock);
    long* buffer = slot;
    slot = NULL;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < SIZE / 8; i++) bad |= buffer[i] != round + i;
    free(buffer);
  }
  return NULL;
}

int main(void) {
  pthread_t consumer;
  pthread_create(&consumer, NULL, Consumer, NULL);
  for (int round = 0; round < ROUNDS; round++) {
    long* buffer = malloc(SIZE);
    for (int i = 0; i < SIZE / 8; i++) buffer[i] = round + i;
    pthread_mutex_lock(&lock);
    while (slot != NULL) pthread_cond_wait(&changed, &lock);
    slot = buffer;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
  }
  pthread_join(consumer, NULL);
  printf("%s\n", bad ? "corrupt" : "ok");
  return bad;
}
