// fork_layout_racy: prints where a 1 MiB malloc (an mmap of its own), a small one and a
// stack variable land, then makes two unlocked-between-check-and-debit withdrawals (the
// balance goes negative under some schedules: exit 1). A run forked from weft's fork server
// must print the same addresses as an exec'd run of the same seed: the same memory layout.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
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

int main(void) {
  int on_stack = 0;
  void* big = malloc(1 << 20);
  void* small = malloc(16);
  printf("big %p small %p stack %p\n", big, small, (void*)&on_stack);
  pthread_t a, b;
  pthread_create(&a, NULL, withdraw, NULL);
  pthread_create(&b, NULL, withdraw, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("balance %d\n", balance);
  free(big);
  free(small);
  return balance < 0 ? 1 : 0;
}
