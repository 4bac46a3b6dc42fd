/* withdraw_racy.c — two withdrawals from one account: a check-then-act race.
 *
 * The account holds 100. Two threads withdraw 100 and 70. Each one checks the balance in
 * one critical section and debits it in another: both checks can pass before either debit.
 *
 * Expected outcome: a correct interleaving prints "balance = 0" or "balance = 30" and exits
 * 0; the racy one (both checks before both debits) prints "balance = -70" and exits 1.
 * Natively the window is one unlock/lock pair: it almost always passes.
 * Families: pthread_create/join, pthread_mutex_lock/unlock.
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

static pthread_mutex_t account_lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static int has_funds(int amount) {
  CHECK0(pthread_mutex_lock(&account_lock));
  int ok = balance >= amount;
  CHECK0(pthread_mutex_unlock(&account_lock));
  return ok;
}

static void debit(int amount) {
  CHECK0(pthread_mutex_lock(&account_lock));
  balance -= amount;
  CHECK0(pthread_mutex_unlock(&account_lock));
}

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  if (has_funds(amount)) debit(amount); /* BUG: the balance may change in between */
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
