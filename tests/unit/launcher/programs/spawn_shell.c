// Runs a shell through system() (posix_spawn: a vfork-like clone, then exec), which runs
// a child of its own; exits with the shell's status (4).
#include <stdlib.h>
#include <sys/wait.h>
int main(void) {
  int status = system("/bin/sh -c 'exit 4'; exit $?");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}
