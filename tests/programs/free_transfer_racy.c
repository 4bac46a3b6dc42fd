// Two tellers each add 1 to a shared balance 200 times, reading it and writing it back in
// two separately locked sections with real work between: an update is lost whenever the
// other teller writes between one's read and its write. Natively, on two cores, most runs
// lose some; how many depends only on the order of the locked sections, so the replay of a
// free recording (weft record --free) prints the same number as the recording.
//   free_transfer_racy [WORK]   units of work after each locked section (default 3000); on a
//                               loaded machine, where the tellers share a core, more work
//                               keeps them overlapping
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kTellers = 2, kDeposits = 200 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long balance;
static volatile unsigned long sink;
static unsigned units = 3000;

static void work(void) {
  for (unsigned i = 0; i < units; ++i) sink += i;
}

static void* teller(void* arg) {
  (void)arg;
  for (int i = 0; i < kDeposits; ++i) {
    pthread_mutex_lock(&lock);
    long seen = balance;
    pthread_mutex_unlock(&lock);
    work();
    pthread_mutex_lock(&lock);
    balance = seen + 1;  // BUG: seen may be stale by now
    pthread_mutex_unlock(&lock);
    work();
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) units = (unsigned)strtoul(argv[1], NULL, 10);
  pthread_t t[kTellers];
  for (int i = 0; i < kTellers; ++i) pthread_create(&t[i], NULL, teller, NULL);
  for (int i = 0; i < kTellers; ++i) pthread_join(t[i], NULL);
  printf("balance = %ld\n", balance);
  if (balance != kTellers * kDeposits) {
    printf("lost %ld updates\n", kTellers * kDeposits - balance);
    return 1;
  }
  return 0;
}
