// atomic_withdraw_racy.c — a check-then-act across two critical sections of a spin lock made
// of __atomic read-modify-write operations (built with plain gcc: no weft cc).
//
// The balance holds 100; two threads withdraw 100 and 70, each checking under one
// acquisition of the lock and debiting under a second. Taking and releasing the lock are
// atomic exchanges (`xchg` with memory) in this program's own code, and the spin loop
// yields; nothing else between the check and the debit reaches weft but those atomic
// instructions (weft's atomic sites).
//
// Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
// exit 1 in the racy interleaving. Natively it almost always passes.
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static int lock_word;
static long balance = 100;

static void Lock(void) {
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE) != 0) sched_yield();
}

static void Unlock(void) { (void)__atomic_exchange_n(&lock_word, 0, __ATOMIC_RELEASE); }

static void* Withdraw(void* arg) {
  long amount = (long)arg;
  Lock();
  int has_funds = balance >= amount;
  Unlock();
  if (has_funds) {
    Lock();  // BUG: the balance may have changed since the check
    balance -= amount;
    Unlock();
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, Withdraw, (void*)100L);
  pthread_create(&b, NULL, Withdraw, (void*)70L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("balance = %ld\n", balance);
  return balance < 0 ? 1 : 0;
}
