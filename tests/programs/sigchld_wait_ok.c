// sigchld_wait_ok.c — a parent that waits for its child's SIGCHLD before it reaps it, the way
// a shell's `wait` builtin does (dash: SIGCHLD blocked, fork, sigsuspend until the child is
// reaped). The child ends at once; the SIGCHLD comes from the kernel when it has really
// ended, which no event of the session makes:
//   sigsuspend   every signal blocked, waitpid(WNOHANG) then sigsuspend(empty set) in a loop
//   sigwaitinfo  SIGCHLD blocked, sigwaitinfo for it, then waitpid
//   pause        a SIGCHLD handler sets a flag, pause() until it is set, then waitpid
// Prints "MODE: child 7 reaped".
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld_seen;
static void OnChld(int sig) {
  (void)sig;
  chld_seen = 1;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "sigsuspend";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnChld;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t chld, all, none;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigfillset(&all);
  sigemptyset(&none);
  if (strcmp(mode, "sigsuspend") == 0) sigprocmask(SIG_SETMASK, &all, NULL);
  if (strcmp(mode, "sigwaitinfo") == 0) sigprocmask(SIG_BLOCK, &chld, NULL);
  pid_t child = fork();
  if (child == 0) _exit(7);
  int status = 0;
  if (strcmp(mode, "sigsuspend") == 0) {
    pid_t r;
    while ((r = waitpid(-1, &status, WNOHANG)) == 0) sigsuspend(&none);
    if (r != child) return 2;
  } else {
    if (strcmp(mode, "sigwaitinfo") == 0) {
      siginfo_t info;
      if (sigwaitinfo(&chld, &info) != SIGCHLD || info.si_pid != child) return 3;
    } else {
      while (!chld_seen) pause();
    }
    if (waitpid(child, &status, 0) != child) return 4;
  }
  printf("%s: child %d reaped\n", mode, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
