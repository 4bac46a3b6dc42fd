// flaky_random: fails for a reason weft does not control: reads the first digit of a random
// UUID the kernel makes (/proc/sys/kernel/random/uuid: a file, read for real in every run —
// unlike /dev/urandom, whose bytes are the session's in a controlled run) and exits 1 (prints
// "unlucky N") for half of the values, 0 otherwise. Running a failing
// seed again passes half of the time, so a search must keep the failing run's own trace.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int steps;

static void* worker(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  ++steps;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  char digit = 0;
  int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY);
  if (fd < 0 || read(fd, &digit, 1) != 1) return 2;
  close(fd);
  unsigned byte = (unsigned)(digit <= '9' ? digit - '0' : digit - 'a' + 10);
  if (byte & 1) {
    printf("unlucky %u\n", byte);
    return 1;
  }
  printf("lucky %u\n", byte);
  return 0;
}
