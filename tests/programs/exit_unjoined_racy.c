/* exit_unjoined_racy.c — main returns without joining its worker, after tearing down
 * what the worker uses.
 *
 * The worker checks the shared table under the lock and, if main has already released
 * it, reports the use after release and exits 1. Main fills the table, releases it
 * (table = NULL) and returns from main without joining. The bug needs the worker to run
 * between main's release and the process exit: the exit is a schedule point.
 *
 * Expected outcome: mostly "main done" (exit 0); the bug: "worker used the table after
 * main released it", exit 1.
 * Families: create, mutex_lock, process exit.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int storage[4];
static int* table;
static int released;

static void* worker(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (released) {
    printf("worker used the table after main released it\n");
    fflush(stdout);
    _exit(1);
  }
  if (table != NULL) table[0]++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_mutex_lock(&lock);
  table = storage;
  pthread_mutex_unlock(&lock);
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&lock);
  table = NULL;
  released = 1;
  pthread_mutex_unlock(&lock);
  printf("main done\n");
  fflush(stdout);
  return 0; /* no join */
}
