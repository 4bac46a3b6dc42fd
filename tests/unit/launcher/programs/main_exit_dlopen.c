// The main thread calls pthread_exit; the other thread then loads libm and ends the
// process (0): the process's memory at its end has libm in it, the main thread's did not.
// `main_exit_dlopen late`: the other thread makes a third after the main thread's exit and
// ends before it; the third loads libm and is the process's last thread.
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
static void* Loader(void* arg) {
  (void)arg;
  usleep(30000);
  void* m = dlopen("libm.so.6", RTLD_NOW);
  return m;
}
static void* Starter(void* arg) {
  (void)arg;
  usleep(30000);  // the main thread is gone by then
  pthread_t t;
  pthread_create(&t, 0, Loader, 0);
  return 0;
}
int main(int argc, char** argv) {
  pthread_t t;
  pthread_create(&t, 0, argc > 1 && strcmp(argv[1], "late") == 0 ? Starter : Loader, 0);
  pthread_exit(0);
}
