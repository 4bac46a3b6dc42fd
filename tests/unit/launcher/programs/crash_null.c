// Writes through a null pointer in crash_here (SIGSEGV). Prints the address of the global
// g_lock first, so the test can symbolize a data address. With argument "thread" the crash
// happens in a second thread.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
int* volatile g_target = 0;  // volatile: the compiler must not prove the store faults

__attribute__((noinline)) void crash_here(int* p) {
  *p = 1;  // CRASH_LINE
}

static void* CrashInThread(void* arg) {
  crash_here(g_target);
  return arg;
}

int main(int argc, char** argv) {
  pthread_mutex_lock(&g_lock);
  printf("g_lock=%p\n", (void*)&g_lock);
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "thread") == 0) {
    pthread_t t;
    pthread_create(&t, 0, CrashInThread, 0);
    pthread_join(t, 0);
  }
  crash_here(g_target);
  return 0;
}
