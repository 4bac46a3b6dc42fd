// race_neighbours.c — a race on a global that shares its 8-byte granule with another: `hits`
// (counted by both workers without a lock) sits right after `ready` (main's, set once before
// the workers start). ThreadSanitizer names `hits` as the location of the race; so must weft,
// whose memory objects are granules. `./race_neighbours fixed` takes a lock around the count.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// Laid out by the assembler, so that no compiler reorders them: `ready` at the first byte of
// an 8-byte-aligned granule, `hits` right after it, both 4-byte objects with symbols.
extern int ready, hits;
__asm__(
    ".pushsection .data.neighbours,\"aw\"\n"
    ".balign 8\n"
    ".globl ready\n.type ready, @object\n.size ready, 4\nready: .long 0\n"
    ".globl hits\n.type hits, @object\n.size hits, 4\nhits: .long 0\n"
    ".popsection\n");

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* Worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 100; ++i) {
    if (fixed) pthread_mutex_lock(&lock);
    hits += 1;  // HITS-LINE
    if (fixed) pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  ready = 1;
  pthread_t a, b;
  pthread_create(&a, NULL, Worker, NULL);
  pthread_create(&b, NULL, Worker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("hits = %d (ready %d)\n", hits, ready);
  return 0;
}
