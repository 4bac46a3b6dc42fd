// The main thread calls pthread_exit; another thread goes on, then ends the process (0).
#include <pthread.h>
#include <unistd.h>
static void* Worker(void* arg) {
  usleep(30000);
  return 0;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, Worker, 0);
  pthread_exit(0);
}
