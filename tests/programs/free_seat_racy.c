// Two clerks book the seats of a row, one from each end. A clerk checks that a seat is free
// in one locked section, does the paperwork (real work, no lock held), and books it in a
// second locked section: a check-then-act across two critical sections. When the clerks
// meet in the middle, both may check the same seat before either books it, and the seat is
// sold twice. Every shared access is under the lock, so the order of the locked sections
// alone decides the outcome: a free recording (weft record --free) that failed replays its
// failure, and `weft explore --from` saves it as a controlled trace.
//   free_seat_racy [GAP [PAPERWORK]]   units of other work between two seats (default 400)
//                          and of paperwork between a check and its booking (default 20):
//                          natively one or two runs in a hundred sell a seat twice; more
//                          paperwork makes it more likely
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kSeats = 256, kClerks = 2 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sold_by[kSeats];  // 0 = free, else the clerk (1 or 2) who sold it
static int sales[kSeats];    // how many times each seat was sold
static volatile unsigned long sink;
static unsigned gap = 400, paperwork = 20;

static void work(unsigned units) {
  for (unsigned i = 0; i < units * 10; ++i) sink += i;
}

static void* clerk(void* arg) {
  int me = (int)(long)arg;
  for (int k = 0; k < kSeats; ++k) {
    int seat = me == 1 ? k : kSeats - 1 - k;
    pthread_mutex_lock(&lock);
    int free_seat = sold_by[seat] == 0;
    pthread_mutex_unlock(&lock);
    if (!free_seat) continue;
    work(paperwork);
    pthread_mutex_lock(&lock);
    sold_by[seat] = me;  // BUG: the seat may have been sold since the check
    ++sales[seat];
    pthread_mutex_unlock(&lock);
    work(gap);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) gap = (unsigned)strtoul(argv[1], NULL, 10);
  if (argc > 2) paperwork = (unsigned)strtoul(argv[2], NULL, 10);
  pthread_t t[kClerks];
  for (long i = 0; i < kClerks; ++i) pthread_create(&t[i], NULL, clerk, (void*)(i + 1));
  for (int i = 0; i < kClerks; ++i) pthread_join(t[i], NULL);
  int sold = 0;
  for (int s = 0; s < kSeats; ++s) {
    sold += sales[s];
    if (sales[s] > 1) {
      printf("seat %d sold %d times\n", s, sales[s]);
      return 1;
    }
  }
  printf("sold %d seats\n", sold);
  return 0;
}
