// Counts SIGINTs: prints "ready", then exits with the count 300 ms after the first one.
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static volatile sig_atomic_t g_count;
static void OnInt(int sig) { ++g_count; }
int main(void) {
  signal(SIGINT, OnInt);
  printf("ready\n");
  fflush(stdout);
  while (g_count == 0) pause();
  struct timespec ts = {0, 300 * 1000 * 1000};
  while (nanosleep(&ts, &ts) != 0) {
  }
  return g_count;
}
