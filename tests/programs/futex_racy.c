/* futex_racy.c — two withdrawals with a hand-rolled futex mutex ("Rust-style": the lock
 * is an atomic word and the program parks on it with syscall(SYS_futex, ...)): a
 * check-then-act race.
 *
 * The mutex is Drepper's "Mutex, Take 1" (Futexes Are Tricky, 2011): lock = CAS 0 -> 1,
 * else FUTEX_WAIT_PRIVATE while the word is 1; unlock = store 0 and FUTEX_WAKE_PRIVATE one
 * waiter (always, so every unlock makes a futex call). The account holds 100; two threads
 * withdraw 100 and 70, checking and debiting in separate critical sections.
 *
 * Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
 * exit 1 in the racy interleaving. Natively it almost always passes.
 * Families: syscall(SYS_futex) FUTEX_WAIT_PRIVATE/FUTEX_WAKE_PRIVATE, create/join.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

typedef struct {
  atomic_int word; /* 0 unlocked, 1 locked */
} futex_mutex;

static void futex_mutex_lock(futex_mutex* m) {
  int expected = 0;
  while (!atomic_compare_exchange_strong(&m->word, &expected, 1)) {
    long rc = syscall(SYS_futex, &m->word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
    if (rc != 0 && errno != EAGAIN && errno != EINTR) {
      perror("futex wait");
      exit(2);
    }
    expected = 0;
  }
}

static void futex_mutex_unlock(futex_mutex* m) {
  atomic_store(&m->word, 0);
  syscall(SYS_futex, &m->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static futex_mutex account_lock;
static int balance = 100;

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  futex_mutex_lock(&account_lock);
  int ok = balance >= amount;
  futex_mutex_unlock(&account_lock);
  if (ok) { /* BUG: the balance may change before the debit */
    futex_mutex_lock(&account_lock);
    balance -= amount;
    futex_mutex_unlock(&account_lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, withdraw, (void*)(intptr_t)100));
  CHECK0(pthread_create(&b, NULL, withdraw, (void*)(intptr_t)70));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
