/* withdraw_ok.c — two withdrawals from one account, done right.
 *
 * Same as withdraw_racy.c, but the check and the debit are one critical section.
 *
 * Expected outcome: always "balance = 0" or "balance = 30", exit 0, in every interleaving.
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

static void* withdraw(void* arg) {
  int amount = (int)(intptr_t)arg;
  CHECK0(pthread_mutex_lock(&account_lock));
  if (balance >= amount) balance -= amount;
  CHECK0(pthread_mutex_unlock(&account_lock));
  return NULL;
}

int main(void) {
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, withdraw, (void*)(intptr_t)100));
  CHECK0(pthread_create(&b, NULL, withdraw, (void*)(intptr_t)70));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("balance = %d\n", balance);
  return (balance == 0 || balance == 30) ? 0 : 1;
}
