// fork_threads.c — a parent forks two children; each child sums a range with three
// threads under a mutex and writes its total to a pipe; the parent prints the totals
// in child order and the exit status of each.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kChildren = 2, kThreads = 3, kPerThread = 1000 };
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_total;
static long g_base;

static void* Sum(void* arg) {
  long first = g_base + (long)arg * kPerThread;
  for (long i = first; i < first + kPerThread; i++) {
    pthread_mutex_lock(&g_lock);
    g_total += i;
    pthread_mutex_unlock(&g_lock);
  }
  return NULL;
}

int main(void) {
  int fds[kChildren][2];
  pid_t pids[kChildren];
  for (int c = 0; c < kChildren; c++) {
    if (pipe(fds[c]) != 0) return 1;
    pids[c] = fork();
    if (pids[c] < 0) return 1;
    if (pids[c] == 0) {
      close(fds[c][0]);
      g_base = c * 1000000L;
      pthread_t threads[kThreads];
      for (long t = 0; t < kThreads; t++) pthread_create(&threads[t], NULL, Sum, (void*)t);
      for (int t = 0; t < kThreads; t++) pthread_join(threads[t], NULL);
      if (write(fds[c][1], &g_total, sizeof g_total) != sizeof g_total) _exit(3);
      _exit(0);
    }
    close(fds[c][1]);
  }
  for (int c = 0; c < kChildren; c++) {
    long total = -1;
    if (read(fds[c][0], &total, sizeof total) != sizeof total) total = -1;
    int status = 0;
    waitpid(pids[c], &status, 0);
    printf("child %d: total %ld, exit %d\n", c, total,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return 0;
}
