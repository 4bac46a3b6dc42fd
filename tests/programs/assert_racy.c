/* assert_racy.c — two withdrawals whose debit asserts the balance stays non-negative.
 *
 * The check-then-act race of withdraw_racy.c, but debit_checked() asserts
 * `balance >= 0` after subtracting: the racy interleaving fails the assertion.
 *
 * Expected outcome: "balance = 0" or "balance = 30" and exit 0, or an assertion failure
 * ("assert_racy.c:NN: debit_checked: Assertion `balance >= 0' failed.") and SIGABRT
 * (signal 6) with debit_checked on the stack. Natively it almost always passes.
 * Families: mutex lock/unlock, create/join; assert/abort.
 */
#undef NDEBUG /* the assertion is the point of this program, whatever the build type */
#include <assert.h>
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

__attribute__((noinline)) void debit_checked(int amount) {
  CHECK0(pthread_mutex_lock(&account_lock));
  balance -= amount;
  assert(balance >= 0);
  CHECK0(pthread_mutex_unlock(&account_lock));
}

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  CHECK0(pthread_mutex_lock(&account_lock));
  int ok = balance >= amount;
  CHECK0(pthread_mutex_unlock(&account_lock));
  if (ok) debit_checked(amount); /* BUG: the balance may change before the debit */
  return NULL;
}

int main(void) {
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, withdraw, (void*)(intptr_t)100));
  CHECK0(pthread_create(&b, NULL, withdraw, (void*)(intptr_t)70));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("balance = %d\n", balance);
  return 0;
}
