// race_torn.c — a torn 16-byte read: a writer renews a session's expiry {seconds, nanos}
// while a reader copies it without the lock; a copy with the new seconds and the old nanos
// (or the other way round) is an expiry that was never set. `./race_torn fixed` copies it
// under the writer's lock. Exit 1 when a torn value was read.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct Expiry {
  long seconds;
  long nanos;
};

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct Expiry expiry = {100, 100};
static int torn;

static void* Renew(void* arg) {
  (void)arg;
  for (long i = 1; i <= 50; i++) {
    pthread_mutex_lock(&lock);
    struct Expiry next = {100 + i, 100 + i};
    expiry = next;  // WRITE-LINE
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void* Check(void* arg) {
  (void)arg;
  for (int i = 0; i < 50; i++) {
    struct Expiry seen;
    if (fixed) {
      pthread_mutex_lock(&lock);
      seen = expiry;
      pthread_mutex_unlock(&lock);
    } else {
      seen = expiry;  // READ-LINE
    }
    if (seen.seconds != seen.nanos) torn = 1;
    sched_yield();
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t w, r;
  pthread_create(&w, NULL, Renew, NULL);
  pthread_create(&r, NULL, Check, NULL);
  pthread_join(w, NULL);
  pthread_join(r, NULL);
  printf(torn ? "torn expiry read\n" : "no torn read\n");
  return torn;
}
