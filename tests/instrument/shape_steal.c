// shape_steal.c — a work-stealing queue whose steal forgets the lock: the owner pushes 8 jobs
// and pops them from the bottom under the queue's lock; a thief takes jobs from the top
// without it, so when one job is left the owner and the thief can both take it. `./shape_steal
// fixed` steals under the lock too. Exit 1 when a job ran twice or never.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define JOBS 8

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int jobs[JOBS];
static int top, bottom;  // jobs[top..bottom) are queued
static int ran[JOBS];

static void Run(int job) { __atomic_fetch_add(&ran[job], 1, __ATOMIC_RELAXED); }

static int Pop(int* job) {
  int got = 0;
  pthread_mutex_lock(&lock);
  if (bottom > top) {  // POP-CHECK-LINE
    bottom--;          // POP-LINE
    *job = jobs[bottom];
    got = 1;
  }
  pthread_mutex_unlock(&lock);
  return got;
}

static int Steal(int* job) {
  int got = 0;
  if (fixed) pthread_mutex_lock(&lock);
  if (top < bottom) {  // STEAL-CHECK-LINE
    *job = jobs[top];  // STEAL-READ-LINE
    top++;             // STEAL-TAKE-LINE
    got = 1;
  }
  if (fixed) pthread_mutex_unlock(&lock);
  return got;
}

static void* Owner(void* arg) {
  (void)arg;
  for (int i = 0; i < JOBS; i++) {
    pthread_mutex_lock(&lock);
    jobs[bottom] = i;  // PUSH-STORE-LINE
    bottom++;          // PUSH-LINE
    pthread_mutex_unlock(&lock);
  }
  int job;
  while (Pop(&job)) Run(job);
  return NULL;
}

static void* Thief(void* arg) {
  (void)arg;
  int job;
  for (int tries = 0; tries < 4; tries++) {
    if (Steal(&job)) Run(job);
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t owner, thief;
  pthread_create(&owner, NULL, Owner, NULL);
  pthread_create(&thief, NULL, Thief, NULL);
  pthread_join(owner, NULL);
  pthread_join(thief, NULL);
  int bad = 0;
  for (int i = 0; i < JOBS; i++) {
    if (ran[i] != 1) {
      printf("job %d ran %d times\n", i, ran[i]);
      bad = 1;
    }
  }
  if (!bad) printf("every job ran once\n");
  return bad;
}
