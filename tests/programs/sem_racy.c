/* sem_racy.c — two withdrawals with a binary semaphore as the lock: check-then-act race.
 *
 * The account holds 100; two threads withdraw 100 and 70. `account_sem` (initial value 1)
 * guards the balance, but the check and the debit are two separate sem_wait/sem_post
 * sections, so both checks can pass before either debit.
 *
 * Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
 * exit 1 in the racy interleaving. Natively it almost always passes.
 * Families: sem_wait/sem_post, create/join.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)
#define CHECK_ERRNO(call)                                                             \
  do {                                                                                \
    if ((call) != 0) {                                                                \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(errno)); \
      exit(2);                                                                        \
    }                                                                                 \
  } while (0)

static sem_t account_sem;
static int balance = 100;

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  CHECK_ERRNO(sem_wait(&account_sem));
  int ok = balance >= amount;
  CHECK_ERRNO(sem_post(&account_sem));
  if (ok) { /* BUG: the balance may change before the debit */
    CHECK_ERRNO(sem_wait(&account_sem));
    balance -= amount;
    CHECK_ERRNO(sem_post(&account_sem));
  }
  return NULL;
}

int main(void) {
  CHECK_ERRNO(sem_init(&account_sem, 0, 1));
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, withdraw, (void*)(intptr_t)100));
  CHECK0(pthread_create(&b, NULL, withdraw, (void*)(intptr_t)70));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
