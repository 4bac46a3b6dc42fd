/* inline_transfer_racy.c — two transfers between two accounts that take the account locks
 * in opposite orders: a lock-order deadlock whose lock calls sit in an inlined helper.
 *
 * a_to_b() moves money from account A to B and b_to_a() from B to A; both call the one
 * helper transfer(), which locks `from`, then `to`. Built at -O1 (as every test program),
 * transfer() is inlined into each caller, so the two threads block at the same source line
 * and only the inlined call chain says which caller each one is in.
 *
 * Expected outcome: "a = 90, b = 110" and exit 0, or a deadlock when each thread holds its
 * first lock. Natively the window is a few instructions: it almost always passes.
 * Families: pthread_create/join, pthread_mutex_lock/unlock.
 */
#include <pthread.h>
#include <stdio.h>

struct account {
  pthread_mutex_t lock;
  int balance;
};

static struct account account_a = {PTHREAD_MUTEX_INITIALIZER, 100};
static struct account account_b = {PTHREAD_MUTEX_INITIALIZER, 100};

static inline __attribute__((always_inline)) void transfer(struct account* from, struct account* to,
                                                           int amount) {
  pthread_mutex_lock(&from->lock);
  pthread_mutex_lock(&to->lock); /* BUG: the other transfer takes these in the other order */
  from->balance -= amount;
  to->balance += amount;
  pthread_mutex_unlock(&to->lock);
  pthread_mutex_unlock(&from->lock);
}

static void* a_to_b(void* arg) {
  (void)arg;
  transfer(&account_a, &account_b, 30);
  return NULL;
}

static void* b_to_a(void* arg) {
  (void)arg;
  transfer(&account_b, &account_a, 20);
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  if (pthread_create(&t1, NULL, a_to_b, NULL) != 0) return 2;
  if (pthread_create(&t2, NULL, b_to_a, NULL) != 0) return 2;
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  printf("a = %d, b = %d\n", account_a.balance, account_b.balance);
  return 0;
}
