// A child stops its parent with SIGSTOP, then continues it with SIGCONT; exits 7.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    usleep(20000);
    kill(parent, SIGSTOP);
    usleep(50000);
    kill(parent, SIGCONT);
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return 7;
}
