// A child process made by a raw system call through syscall(2) — clone or clone3 without
// CLONE_VM and without a stack of its own, fork — or by glibc's clone() wrapper
// ("wrapper"), or by glibc's _Fork ("_Fork"): parent and child each take one lock of their
// own memory and print a line;
// the parent waits for the child's exit status.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void Say(const char* who) {
  pthread_mutex_lock(&lock);
  printf("%s\n", who);
  fflush(stdout);
  pthread_mutex_unlock(&lock);
}

static int Child(void* arg) {
  (void)arg;
  Say("child");
  return 5;
}

// clone3's argument, as linux/sched.h has it (that header clashes with sched.h).
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "clone";
  static char stack[1 << 16];
  long pid;
  if (strcmp(mode, "wrapper") == 0) {
    pid = clone(Child, stack + sizeof stack, SIGCHLD, NULL);
  } else {
    if (strcmp(mode, "clone3") == 0) {
      struct CloneArgs args;
      memset(&args, 0, sizeof args);
      args.exit_signal = SIGCHLD;
      pid = syscall(SYS_clone3, &args, sizeof args);
    } else if (strcmp(mode, "fork") == 0) {
      pid = syscall(SYS_fork);
    } else if (strcmp(mode, "_Fork") == 0) {
      pid = _Fork();  // glibc 2.34+: a fork without the atfork handlers
    } else {
      pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    }
    if (pid == 0) _exit(Child(NULL));
  }
  if (pid < 0) {
    perror(mode);
    return 2;
  }
  Say("parent");
  int status = 0;
  if (waitpid((pid_t)pid, &status, 0) != pid) {
    perror("waitpid");
    return 3;
  }
  printf("%s: child exited %d\n", mode, WEXITSTATUS(status));
  return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 0 : 1;
}
