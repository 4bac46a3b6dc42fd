// atomic_loop.c — THREADS threads (argv[2], default 1) each do N (argv[1]) atomic
// increments (`lock xadd`) of one shared counter; plain cc, no weft cc. Under weft every
// increment is an atomic site: with one thread the shim's fast path (the counter's granule
// is that thread's alone), with two a schedule point each once both touched it.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long counter;
static long iterations;

static void* Work(void* arg) {
  (void)arg;
  for (long i = 0; i < iterations; ++i) __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

int main(int argc, char** argv) {
  iterations = argc > 1 ? atol(argv[1]) : 1000;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  if (threads < 1 || threads > 8) threads = 1;
  pthread_t t[8];
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, Work, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  printf("counter = %ld\n", counter);
  return counter == iterations * threads ? 0 : 1;
}
