// resume_after_spawn.c — a thread that vforks and execs a child, then (back from vfork, with
// no synchronization call in between) reads a flag another thread sets under a lock, and
// takes the lock once more if it saw the flag. Where that read happens in the run is where
// the vforking thread resumed from its wait for the child's exec: a recording and its replay
// must resume it at the same place, or the replay takes another path.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int flag;
static int extra;

static void* Setter(void* arg) {
  (void)arg;
  for (int i = 0; i < 20; ++i) {
    pthread_mutex_lock(&lock);
    if (i == 10) flag = 1;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, Setter, NULL);
  pid_t pid = vfork();
  if (pid == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  if (flag) {  // NB: read as the vforking thread resumes
    pthread_mutex_lock(&lock);
    extra = 1;
    pthread_mutex_unlock(&lock);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  pthread_join(t, NULL);
  printf("child exited %d, saw the flag: %s\n", WEXITSTATUS(status), extra ? "yes" : "no");
  return 0;
}
