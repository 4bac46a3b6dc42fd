/* crash_racy.c — a use-after-close: one thread clears a shared pointer that another
 * thread then dereferences.
 *
 * `current_account` points to an account. The "depositor" thread reads the pointer under
 * the lock, releases the lock, and writes through it in deposit_into(). The "closer"
 * thread sets the pointer to NULL under the lock. If the closer runs first, deposit_into()
 * writes through NULL: SIGSEGV with deposit_into on the stack.
 *
 * Expected outcome: "balance = 110" and exit 0, or SIGSEGV (signal 11) in deposit_into.
 * Natively the depositor is created first and reads the pointer at once, while the closer
 * first prints a statement (pure computation, no schedule point): it almost always passes.
 * Families: mutex lock/unlock, create/join; crash capture.
 */
#include <pthread.h>
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

struct account {
  int balance;
};

static struct account the_account = {100};
static struct account* current_account = &the_account;
static pthread_mutex_t account_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void deposit_into(struct account* account, int amount) {
  account->balance += amount; /* SIGSEGV when account is NULL */
}

static void* depositor(void* arg) {
  CHECK0(pthread_mutex_lock(&account_lock));
  struct account* account = current_account;
  CHECK0(pthread_mutex_unlock(&account_lock));
  deposit_into(account, 10); /* BUG: no check, and the account may be gone */
  return NULL;
}

/* Pure computation standing for the closing statement: no schedule point. */
static unsigned print_statement(void) {
  volatile unsigned acc = 0;
  for (int i = 0; i < 300000; i++) acc += (unsigned)i;
  return acc;
}

static void* closer(void* arg) {
  print_statement();
  CHECK0(pthread_mutex_lock(&account_lock));
  current_account = NULL;
  CHECK0(pthread_mutex_unlock(&account_lock));
  return NULL;
}

int main(void) {
  pthread_t d, c;
  CHECK0(pthread_create(&d, NULL, depositor, NULL));
  CHECK0(pthread_create(&c, NULL, closer, NULL));
  CHECK0(pthread_join(d, NULL));
  CHECK0(pthread_join(c, NULL));
  printf("balance = %d\n", the_account.balance);
  return 0;
}
