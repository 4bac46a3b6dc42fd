/* spin_racy.c — two withdrawals with a spinlock: check-then-act race.
 *
 * The account holds 100; two threads withdraw 100 and 70. The check and the debit are two
 * separate pthread_spin_lock sections, so both checks can pass before either debit.
 *
 * Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
 * exit 1 in the racy interleaving. Natively it almost always passes.
 * Families: pthread_spin_lock/unlock, create/join.
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

static pthread_spinlock_t account_spin;
static int balance = 100;

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  CHECK0(pthread_spin_lock(&account_spin));
  int ok = balance >= amount;
  CHECK0(pthread_spin_unlock(&account_spin));
  if (ok) { /* BUG: the balance may change before the debit */
    CHECK0(pthread_spin_lock(&account_spin));
    balance -= amount;
    CHECK0(pthread_spin_unlock(&account_spin));
  }
  return NULL;
}

int main(void) {
  CHECK0(pthread_spin_init(&account_spin, PTHREAD_PROCESS_PRIVATE));
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, withdraw, (void*)(intptr_t)100));
  CHECK0(pthread_create(&b, NULL, withdraw, (void*)(intptr_t)70));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
