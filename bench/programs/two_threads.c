/* two_threads.c — a small correct two-thread program: two threads each add to a shared
 * counter 5 times under a mutex and signal a condition variable; main waits for both.
 * Measures weft explore's runs per second (start-up dominates). Exit 0.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int counter, done;

static void* worker(void* arg) {
  for (int i = 0; i < 5; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  done++;
  pthread_cond_signal(&done_cond);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, worker, NULL);
  pthread_create(&b, NULL, worker, NULL);
  pthread_mutex_lock(&lock);
  while (done < 2) pthread_cond_wait(&done_cond, &lock);
  pthread_mutex_unlock(&lock);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return counter == 10 ? 0 : 1;
}
