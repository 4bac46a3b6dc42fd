// race_order.c — an order violation through a heap block: main starts the worker, then
// allocates a job with calloc (every field zero), fills in its id and publishes the pointer
// with a plain store; the worker waits for the pointer without synchronization and reads the
// job's id and its state, a field only calloc initialised. ThreadSanitizer names the read of
// the id and the write of it, and the read of the state and the calloc (the allocation is
// the previous write of the block). `./race_order fixed` publishes with a release store and
// waits with acquire loads. Exit 0 either way (the race is the bug, not the outcome).
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Job {
  long id;
  long state;
};

static struct Job* job;
static int fixed;
static long seen_id, seen_state;

static struct Job* Wait(void) {
  for (;;) {
    struct Job* j = fixed ? __atomic_load_n(&job, __ATOMIC_ACQUIRE) : job;  // WAIT-LINE
    if (j != NULL) return j;
    sched_yield();
  }
}

static void* Worker(void* arg) {
  (void)arg;
  struct Job* j = Wait();
  seen_id = j->id;        // READ-ID-LINE
  seen_state = j->state;  // READ-STATE-LINE
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t worker;
  pthread_create(&worker, NULL, Worker, NULL);
  struct Job* j = calloc(1, sizeof *j);  // ALLOC-LINE
  j->id = 7;                             // WRITE-ID-LINE
  if (fixed) {
    __atomic_store_n(&job, j, __ATOMIC_RELEASE);
  } else {
    job = j;  // PUBLISH-LINE
  }
  pthread_join(worker, NULL);
  printf("job %ld, state %ld\n", seen_id, seen_state);
  free(j);
  return 0;
}
