// shape_atomic_bank.c — an atomicity violation with no data race: two tellers withdraw from
// an atomic balance with a check (an atomic load) and then a debit (an atomic subtract) — each
// access atomic, the pair not; both checks can pass before either debit, and the balance goes
// negative. ThreadSanitizer reports nothing (atomics never race); the failure is what counts.
// `./shape_atomic_bank fixed` debits with a compare-and-swap loop. Exit 1 when the balance
// went negative.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int fixed;
static long balance = 100;

static void Withdraw(long amount) {
  if (fixed) {
    long seen = __atomic_load_n(&balance, __ATOMIC_SEQ_CST);
    while (seen >= amount && !__atomic_compare_exchange_n(&balance, &seen, seen - amount, 0,
                                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    return;
  }
  if (__atomic_load_n(&balance, __ATOMIC_SEQ_CST) >= amount) {  // CHECK-LINE
    __atomic_fetch_sub(&balance, amount, __ATOMIC_SEQ_CST);     // DEBIT-LINE
  }
}

static void* Teller(void* arg) {
  Withdraw(*(long*)arg);
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  long amounts[2] = {100, 70};
  pthread_t x, y;
  pthread_create(&x, NULL, Teller, &amounts[0]);
  pthread_create(&y, NULL, Teller, &amounts[1]);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  printf("balance %ld\n", balance);
  return balance < 0 ? 1 : 0;
}
