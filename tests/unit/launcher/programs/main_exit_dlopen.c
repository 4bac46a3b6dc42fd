// The main thread calls pthread_exit; the other thread then loads libm and ends the
// process (0): the process's memory at its end has libm in it, the main thread's did not.
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
static void* Worker(void* arg) {
  (void)arg;
  usleep(30000);
  void* m = dlopen("libm.so.6", RTLD_NOW);
  return m;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, Worker, 0);
  pthread_exit(0);
}
