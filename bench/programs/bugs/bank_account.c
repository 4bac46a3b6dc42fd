/* bank_account.c — withdrawals that check the balance in one section and debit it in
 * another: an account of 100, three clients withdrawing 60, 50 and 30 after some locked
 * bookkeeping of their own. Two checks that both pass before either debit overdraw it.
 * Exit 1 on the bug. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t account = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t journal = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100, entries;

static void* client(void* arg) {
  int amount = *(int*)arg;
  for (int i = 0; i < 5; i++) { /* the client's own bookkeeping */
    pthread_mutex_lock(&journal);
    entries++;
    pthread_mutex_unlock(&journal);
  }
  pthread_mutex_lock(&account);
  int enough = balance >= amount;
  pthread_mutex_unlock(&account);
  if (enough) {
    pthread_mutex_lock(&account); /* the bug: the balance may have changed */
    balance -= amount;
    pthread_mutex_unlock(&account);
  }
  return NULL;
}

int main(void) {
  pthread_t t[3];
  int amounts[3] = {60, 50, 30};
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, client, &amounts[i]);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  if (balance < 0) {
    printf("balance %d\n", balance);
    return 1;
  }
  return 0;
}
