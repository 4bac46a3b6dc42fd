// fork_prefix_racy: a start-up of its own before its first thread (a lock taken and released
// 200 times, a condition signalled with nobody waiting, random bytes, the clock read around a
// sleep), whose results it prints, then fork_layout_racy's two check-then-act withdrawals
// (the balance goes negative under some schedules: exit 1). A fork server past main forks its
// runs at the first pthread_create, after that start-up: each run must still be the one an
// exec gives (the same output, events and failing seeds). With "stderr" it first writes a
// line to stderr, which a server past main cannot share: its runs are then forked at main.
// With "slow_start" its start-up also spins for a second or more of CPU (no call weft sees):
// under a shorter --timeout an exec'd run times out there, and so must a forked one (its
// server does not reach the fork point past main in time: its runs are forked at main).
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int balance = 100;

static void* withdraw(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  int ok = balance >= 80;
  pthread_mutex_unlock(&lock);
  if (ok) {
    pthread_mutex_lock(&lock);
    balance -= 80;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "stderr") == 0) fprintf(stderr, "starting\n");
  if (argc > 1 && strcmp(argv[1], "slow_start") == 0) {
    volatile unsigned long spun = 0;
    for (unsigned long i = 0; i < 1500000000ul; ++i) spun = spun + 1;
  }
  int taken = 0;
  for (int i = 0; i < 200; ++i) {
    pthread_mutex_lock(&lock);
    ++taken;
    pthread_mutex_unlock(&lock);
  }
  pthread_cond_signal(&cond);
  unsigned char bytes[8] = {0};
  if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) return 2;
  unsigned long token = 0;
  for (int i = 0; i < 8; ++i) token = token << 8 | bytes[i];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  usleep(1000);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long slept_us = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
  printf("taken %d token %016lx slept %ld us\n", taken, token, slept_us);
  pthread_t x, y;
  pthread_create(&x, NULL, withdraw, NULL);
  pthread_create(&y, NULL, withdraw, NULL);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  printf("balance %d\n", balance);
  return balance < 0 ? 1 : 0;
}
