/* fork_floor.c — the least a forked run of two_threads.c can cost, with no weft: the program
 * forks itself once a run, past its start-up, the child does two_threads.c's work (two threads
 * adding to a counter under a mutex, a condition variable, the joins) and exits, the parent
 * waits for it (bench/fork_floor.py).
 *
 *   fork_floor N [ptrace]    prints "runs SECONDS CPU_SECONDS" (wall time, user + system of
 *                            the process and its children)
 *
 * With ptrace the parent also does what weft's supervisor must do at the least: it seizes
 * each child (PTRACE_O_TRACECLONE, TRACEEXIT, EXITKILL) before letting it go on (a pipe),
 * and resumes every stop (the two clone events, the new threads' first stops, the exit).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int counter, done;

static void* worker(void* arg) {
  (void)arg;
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

static int work(void) {
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

static double seconds(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

/* Resumes every stop of the child `pid` and its threads until `pid` has ended; its status. */
static int trace_until_exit(pid_t pid) {
  for (;;) {
    int status;
    pid_t w = waitpid(-1, &status, __WALL);
    if (w < 0) return -1;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (w == pid) return status;
      continue;
    }
    int sig = WSTOPSIG(status);
    if ((status >> 16) != 0 || sig == SIGTRAP || sig == SIGSTOP) sig = 0;
    ptrace(PTRACE_CONT, w, 0, sig);
  }
}

int main(int argc, char** argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 1000;
  int traced = argc > 2 && strcmp(argv[2], "ptrace") == 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < runs; i++) {
    int go[2];
    if (traced && pipe(go) != 0) return 2;
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      if (traced) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(3);
      }
      _exit(work());
    }
    int status = 0;
    if (traced) {
      close(go[0]);
      long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
      if (ptrace(PTRACE_SEIZE, pid, 0, options) != 0) return 4;
      if (write(go[1], "x", 1) != 1) return 5;
      close(go[1]);
      status = trace_until_exit(pid);
    } else if (waitpid(pid, &status, 0) != pid) {
      return 6;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork_floor: run %d ended with status 0x%x\n", i, status);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  printf("%d %.6f %.6f\n", runs, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
         seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(children.ru_utime) +
             seconds(children.ru_stime));
  return 0;
}
