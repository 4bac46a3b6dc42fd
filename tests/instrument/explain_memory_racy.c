// explain_memory_racy.c — two withdrawals of 80 from a balance of 100 with no lock: each
// checks the balance with a plain read, then debits it with an atomic subtraction (so no
// update is lost: the bug is the check alone, a data race with the other thread's debit).
// Built with `weft cc` the accesses are schedule points, and `weft explain` must name the
// race: one thread's check between the other's check and its debit.
#include <pthread.h>
#include <stdio.h>

static int balance = 100;

static void* Withdraw(void* arg) {
  (void)arg;
  if (balance >= 80) {                                   // CHECK-LINE
    __atomic_fetch_sub(&balance, 80, __ATOMIC_SEQ_CST);  // DEBIT-LINE
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, Withdraw, NULL);
  pthread_create(&b, NULL, Withdraw, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("balance %d\n", balance);
  return balance < 0 ? 1 : 0;
}
