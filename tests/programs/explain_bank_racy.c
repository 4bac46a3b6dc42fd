// explain_bank_racy: two withdrawals of 80 from a balance of 100, each a check and a debit
// in two separately locked sections — the atomicity violation `weft explain` must name:
// one thread's check between the other's check and its debit.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static int has_funds(int amount) {
  pthread_mutex_lock(&lock);  // CHECK-LINE
  int ok = balance >= amount;
  pthread_mutex_unlock(&lock);
  return ok;
}

static void debit(int amount) {
  pthread_mutex_lock(&lock);  // DEBIT-LINE
  balance -= amount;
  pthread_mutex_unlock(&lock);
}

static void* withdraw(void* arg) {
  (void)arg;
  if (has_funds(80)) debit(80);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, withdraw, NULL);
  pthread_create(&b, NULL, withdraw, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("balance %d\n", balance);
  return balance < 0 ? 1 : 0;
}
