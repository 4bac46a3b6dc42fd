/* lock_order_racy.c — lock-order inversion: a deadlock in some interleavings.
 *
 * Thread "transfer" takes accounts_lock then ledger_lock; thread "audit" takes ledger_lock
 * then accounts_lock. If each takes its first lock before the other takes its second, both
 * wait forever: transfer holds accounts_lock and waits for ledger_lock, audit the reverse.
 *
 * Expected outcome: prints "transfers = 1, audits = 1" and exits 0, or deadlocks (weft
 * reports a deadlock naming both threads and both mutexes). Natively it almost always
 * completes: each thread is done with its locks before the other one starts.
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
  CHECK0(pthread_mutex_lock(&ledger_lock)); /* BUG: opposite order */
  CHECK0(pthread_mutex_lock(&accounts_lock));
  audits++;
  CHECK0(pthread_mutex_unlock(&accounts_lock));
  CHECK0(pthread_mutex_unlock(&ledger_lock));
  return NULL;
}

int main(void) {
  pthread_t t, a;
  CHECK0(pthread_create(&t, NULL, transfer_main, NULL));
  CHECK0(pthread_create(&a, NULL, audit_main, NULL));
  CHECK0(pthread_join(t, NULL));
  CHECK0(pthread_join(a, NULL));
  printf("transfers = %d, audits = %d\n", transfers, audits);
  return 0;
}
