/* rwlock_racy.c — check under a read lock, act under a write lock: the lock "upgrade"
 * race.
 *
 * The account holds 100; two threads withdraw 100 and 70. Each checks the balance under
 * pthread_rwlock_rdlock (both may hold it together), unlocks, then takes
 * pthread_rwlock_wrlock to debit. Both checks can pass before either debit.
 *
 * Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
 * exit 1 in the racy interleaving. Natively it almost always passes.
 * Families: pthread_rwlock_rdlock/wrlock/unlock, create/join.
 */
#include <pthread.h>
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

static pthread_rwlock_t account_lock = PTHREAD_RWLOCK_INITIALIZER;
static int balance = 100;

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  CHECK0(pthread_rwlock_rdlock(&account_lock));
  int ok = balance >= amount;
  CHECK0(pthread_rwlock_unlock(&account_lock));
  if (ok) { /* BUG: another writer may run between the read and the write section */
    CHECK0(pthread_rwlock_wrlock(&account_lock));
    balance -= amount;
    CHECK0(pthread_rwlock_unlock(&account_lock));
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
