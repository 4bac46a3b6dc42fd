// Four threads; the third calls exit(3) while the others block.
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void* Worker(void* arg) {
  if ((long)arg == 2) {
    usleep(20000);
    exit(3);
  }
  for (;;) pause();
  return 0;
}
int main(void) {
  pthread_t t[4];
  for (long i = 0; i < 4; ++i) pthread_create(&t[i], 0, Worker, (void*)i);
  for (;;) pause();
}
