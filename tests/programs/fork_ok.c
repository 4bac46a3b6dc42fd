/* fork_ok.c — a multithreaded program forks a child that exits.
 *
 * Main starts a worker thread (20 lock/unlock pairs on `work_lock`), then fork()s while the
 * worker may be running. The child locks and unlocks its own mutex, prints "child done" and
 * exits with status 3 (through exit(), so atexit handlers and stdio flushing run). The
 * parent waits for it with waitpid, then joins the worker.
 *
 * Expected outcome: "child done", then "fork ok: child exited 3, work = 20", exit 0.
 * Under weft it must not hang: the child is not under control.
 * Families: fork, waitpid, mutex, create/join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static int work;

static void* worker(void* arg) {
  for (int i = 0; i < 20; i++) {
    CHECK0(pthread_mutex_lock(&work_lock));
    work++;
    CHECK0(pthread_mutex_unlock(&work_lock));
  }
  return NULL;
}

int main(void) {
  pthread_t w;
  CHECK0(pthread_create(&w, NULL, worker, NULL));
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    CHECK0(pthread_mutex_lock(&child_lock));
    printf("child done\n");
    CHECK0(pthread_mutex_unlock(&child_lock));
    exit(3);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    return 2;
  }
  CHECK0(pthread_join(w, NULL));
  int child_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  printf("fork ok: child exited %d, work = %d\n", child_code, work);
  return child_code == 3 && work == 20 ? 0 : 1;
}
