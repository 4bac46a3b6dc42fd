/* fork_locked_racy.c — main forks while another thread holds a lock; the child then takes
 * that lock.
 *
 * The holder thread locks `lock`, tells main (a semaphore) and sleeps holding it. Main
 * forks; the child locks `lock`: fork copied the lock held, but not its holder, so nobody
 * will ever unlock it in the child. Natively the child hangs (and the parent waits for it).
 *
 * Expected outcome under weft: a deadlock, reported as "a forked child ... held by T1 ...
 * a thread that does not exist in the child". Natively: hangs.
 * Families: fork, create/join, mutex_lock, sem_wait, sem_post, sleep.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t held;

static void* holder(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  sem_post(&held);
  sleep(1);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  sem_init(&held, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, holder, NULL);
  sem_wait(&held);
  pid_t pid = fork();
  if (pid == 0) {
    pthread_mutex_lock(&lock); /* never returns */
    printf("child got the lock\n");
    pthread_mutex_unlock(&lock);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  pthread_join(t, NULL);
  printf("child exited %d\n", WEXITSTATUS(status));
  return 0;
}
