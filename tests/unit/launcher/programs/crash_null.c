// Writes through a null pointer in crash_here (SIGSEGV). Prints the address of the global
// g_lock first, so the test can symbolize a data address.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
int* volatile g_target = 0;  // volatile: the compiler must not prove the store faults

__attribute__((noinline)) void crash_here(int* p) {
  *p = 1;  // CRASH_LINE
}

int main(void) {
  pthread_mutex_lock(&g_lock);
  printf("g_lock=%p\n", (void*)&g_lock);
  fflush(stdout);
  crash_here(g_target);
  return 0;
}
