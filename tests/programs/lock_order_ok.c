/* lock_order_ok.c — two threads take two mutexes in the same order: never deadlocks.
 *
 * Same as lock_order_racy.c, but "audit" takes accounts_lock before ledger_lock too.
 *
 * Expected outcome: always "transfers = 1, audits = 1", exit 0.
 * Families: pthread_create/join, pthread_mutex_lock/unlock, pthread_setname_np.
 */
#define _GNU_SOURCE
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

static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static int transfers, audits;

static void* transfer_main(void* arg) {
  pthread_setname_np(pthread_self(), "transfer");
  CHECK0(pthread_mutex_lock(&accounts_lock));
  CHECK0(pthread_mutex_lock(&ledger_lock));
  transfers++;
  CHECK0(pthread_mutex_unlock(&ledger_lock));
  CHECK0(pthread_mutex_unlock(&accounts_lock));
  return NULL;
}

static void* audit_main(void* arg) {
  pthread_setname_np(pthread_self(), "audit");
  CHECK0(pthread_mutex_lock(&accounts_lock));
  CHECK0(pthread_mutex_lock(&ledger_lock));
  audits++;
  CHECK0(pthread_mutex_unlock(&ledger_lock));
  CHECK0(pthread_mutex_unlock(&accounts_lock));
  return NULL;
}

int main(void) {
  pthread_t t, a;
  CHECK0(pthread_create(&t, NULL, transfer_main, NULL));
  CHECK0(pthread_create(&a, NULL, audit_main, NULL));
  CHECK0(pthread_join(t, NULL));
  CHECK0(pthread_join(a, NULL));
  printf("transfers = %d, audits = %d\n", transfers, audits);
  return transfers == 1 && audits == 1 ? 0 : 1;
}
