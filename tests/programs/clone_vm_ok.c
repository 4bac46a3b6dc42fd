// A child process made by glibc's clone() with CLONE_VM and a stack of its own ("vm"; with
// CLONE_VFORK too, "vfork"): it shares the parent's memory, and its thread's TLS, so the shim
// cannot follow it, and the trace must say that it runs outside control. The child makes no
// libc call: it stores a value and returns its exit status; the parent, which takes a lock
// before and after, waits for it and prints the value.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static volatile int shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int Child(void* arg) {
  (void)arg;
  shared = 42;
  return 5;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "vm";
  static char stack[1 << 16];
  int flags = SIGCHLD | CLONE_VM | (strcmp(mode, "vfork") == 0 ? CLONE_VFORK : 0);
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  int pid = clone(Child, stack + sizeof stack, flags, NULL);
  if (pid < 0) {
    perror("clone");
    return 2;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    return 3;
  }
  pthread_mutex_lock(&lock);
  printf("%s: child exited %d, wrote %d\n", mode, WEXITSTATUS(status), shared);
  pthread_mutex_unlock(&lock);
  return WIFEXITED(status) && WEXITSTATUS(status) == 5 && shared == 42 ? 0 : 1;
}
