// atomic_withdraw_ok.c — atomic_withdraw_racy.c fixed: one critical section around the check
// and the debit.
//
// Expected outcome: always "balance = 0" or "balance = 30", exit 0.
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
  if (balance >= amount) balance -= amount;
  Unlock();
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
