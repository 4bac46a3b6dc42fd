/* bank.c — the example of weft's README: a check-then-act race.
 *
 * Two tellers withdraw 100 and 70 from an account holding 100. Each checks the balance
 * and debits it in two separately locked steps, so both checks can pass before either
 * debit: the balance ends at -70. Natively this almost never happens (the window is a few
 * instructions wide); under `weft explore` it is found in a few runs, and the saved trace
 * replays the failure every time.
 *
 * Exit status: 0 when the balance stays >= 0, 1 when it went negative.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static pthread_mutex_t account_lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static int has_funds(int amount) {
  pthread_mutex_lock(&account_lock);
  int ok = balance >= amount;
  pthread_mutex_unlock(&account_lock);
  return ok;
}

static void debit(int amount) {
  pthread_mutex_lock(&account_lock);
  balance -= amount;
  pthread_mutex_unlock(&account_lock);
}

static void* teller(void* arg) {
  int amount = (int)(intptr_t)arg;
  if (has_funds(amount)) debit(amount); /* BUG: another teller may debit in between */
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, teller, (void*)(intptr_t)100);
  pthread_create(&b, NULL, teller, (void*)(intptr_t)70);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
