/* fork_child_ends.c — forked processes that end other than by returning to their parent.
 *
 * Modes (argv[1]):
 *   crash   a forked child takes a process-shared lock, then dereferences NULL while it holds
 *           the turn; the parent, which waits for it, reports the signal that killed it and
 *           exits 0 (a parent that survives its child's crash, as test drivers and servers do).
 *   orphan  the parent exits at once; its forked child goes on alone, works under a lock,
 *           computes for a while (real time) and prints when it is done (a daemon-like child
 *           outliving the process weft started).
 *
 * Expected outcome: crash: "child killed by signal 11", exit 0; orphan: "orphan done, work = 20",
 * exit 0 (the parent's).
 * Families: fork, waitpid, mutex_lock, process_exit.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t* shared_lock(void) {
  pthread_mutex_t* m =
      mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(m, &a);
  return m;
}

static int crash(void) {
  pthread_mutex_t* m = shared_lock();
  if (m == NULL) return 2;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    volatile int* nowhere = NULL;
    *nowhere = 1;
    _exit(0);
  }
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 2;
  if (!WIFSIGNALED(status)) {
    printf("child was not killed: status %d\n", status);
    return 1;
  }
  printf("child killed by signal %d\n", WTERMSIG(status));
  return 0;
}

static int orphan(void) {
  pthread_mutex_t* m = shared_lock();
  if (m == NULL) return 2;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid > 0) return 0;
  int work = 0;
  for (int i = 0; i < 20; i++) {
    pthread_mutex_lock(m);
    work++;
    pthread_mutex_unlock(m);
    usleep(1000);
  }
  /* Real time spent after the parent's exit (not a virtual sleep): the run must wait. */
  for (volatile long spin = 0; spin < 200000000; spin++) {
  }
  printf("orphan done, work = %d\n", work);
  fflush(stdout);
  _exit(0);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "crash";
  if (strcmp(mode, "crash") == 0) return crash();
  if (strcmp(mode, "orphan") == 0) return orphan();
  fprintf(stderr, "usage: fork_child_ends crash|orphan\n");
  return 2;
}
