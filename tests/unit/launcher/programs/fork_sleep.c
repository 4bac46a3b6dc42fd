// Forks a child that sleeps 10 s; prints the child's pid and exits 0 at once.
#include <stdio.h>
#include <unistd.h>
int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    sleep(10);
    _exit(0);
  }
  printf("%d\n", (int)pid);
  fflush(stdout);
  return 0;
}
