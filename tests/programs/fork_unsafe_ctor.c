// fork_unsafe_ctor: a constructor opens a log file and keeps it open, so a fork server
// stopped at main would hand every run the same open file (one offset for all): weft
// explore --spawn fork must exec its runs, and say why once. Two threads then append to it.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int log_fd = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void open_log(void) {
  log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
}

static void* worker(void* arg) {
  pthread_mutex_lock(&lock);
  (void)write(log_fd, arg, strlen(arg));
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, "worker\n");
  worker("main\n");
  pthread_join(t, NULL);
  printf("logged to fd %d\n", log_fd);
  return log_fd < 0;
}
