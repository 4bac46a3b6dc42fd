// shape_refcount.c — a reference count decremented non-atomically: two workers each hold one
// reference to a shared buffer and drop it with `if (--refs == 0) Release()`; two decrements
// that interleave lose one, and the buffer is never released (or, with another interleaving,
// released while still used). `./shape_refcount fixed` drops with an atomic acq_rel
// decrement. Exit 1 unless the buffer was released exactly once, after both were done.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Buffer {
  int refs;
  long data[4];
};

static int fixed;
static int releases;
static long released_sum;

static void Release(struct Buffer* buffer) {
  long sum = 0;
  for (int i = 0; i < 4; i++) sum += buffer->data[i];  // RELEASE-READ-LINE
  released_sum = sum;
  releases++;
  free(buffer);
}

static void Drop(struct Buffer* buffer) {
  if (fixed) {
    if (__atomic_sub_fetch(&buffer->refs, 1, __ATOMIC_ACQ_REL) == 0) Release(buffer);
  } else {
    if (--buffer->refs == 0) Release(buffer);  // DROP-LINE
  }
}

static void* Work(void* arg) {
  struct Buffer* buffer = arg;
  static int next = 0;
  int me = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
  buffer->data[me] = me + 1;  // WORK-WRITE-LINE
  Drop(buffer);
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  struct Buffer* buffer = calloc(1, sizeof *buffer);
  buffer->refs = 2;
  pthread_t x, y;
  pthread_create(&x, NULL, Work, buffer);
  pthread_create(&y, NULL, Work, buffer);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  printf("released %d times (sum %ld)\n", releases, released_sum);
  return releases == 1 && released_sum == 3 ? 0 : 1;
}
