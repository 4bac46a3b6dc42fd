// session_scribble.c — a program that writes over weft's session memory, as a racy program
// scribbling through a stray pointer might: it finds the mapping in /proc/self/maps
// ("weft-session") and fills it with random bytes from seed argv[1] — always its first page
// (the configuration and the ring's positions), then a random stretch of the rest — while a
// second thread takes and releases a lock. weft must say that the program overwrote its
// session memory and end cleanly, with a trace readable up to there.
//
// Without weft there is no session: it says so and exits 0.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 2000; ++i) {
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static uint64_t state;
static uint64_t next_random(void) {  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

int main(int argc, char** argv) {
  state = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) * 0x9e3779b97f4a7c15ull + 1;
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  for (int i = 0; i < 50; ++i) {
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
  }

  FILE* maps = fopen("/proc/self/maps", "r");
  char line[512];
  uintptr_t start = 0, end = 0;
  while (maps != NULL && fgets(line, sizeof(line), maps) != NULL) {
    if (strstr(line, "weft-session") != NULL && strstr(line, "rw") != NULL) {
      sscanf(line, "%lx-%lx", &start, &end);
      break;
    }
  }
  if (maps != NULL) fclose(maps);
  if (start == 0) {
    pthread_join(t, NULL);
    printf("no weft session; counter = %ld\n", counter);
    return 0;
  }
  uint8_t* base = (uint8_t*)start;
  size_t size = end - start;
  for (size_t i = 0; i < 4096 && i < size; ++i) base[i] = (uint8_t)next_random();
  if (size > 4096) {
    size_t from = 4096 + next_random() % (size - 4096);
    size_t len = next_random() % (size - from + 1);
    for (size_t i = 0; i < len; ++i) base[from + i] = (uint8_t)next_random();
  }
  fprintf(stderr, "session_scribble: wrote over the session at %p\n", (void*)base);

  for (int i = 0; i < 50; ++i) {
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
  }
  pthread_join(t, NULL);
  printf("counter = %ld\n", counter);
  return 0;
}
