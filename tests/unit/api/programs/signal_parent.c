// signal_parent.c — sends SIGTERM to the process that started it (weft, or the test that
// calls the api), then exits 0: shows who handles signals during a run.
#include <signal.h>
#include <unistd.h>

int main(void) {
  kill(getppid(), SIGTERM);
  return 0;
}
