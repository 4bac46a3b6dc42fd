/* urandom_seeded.c — threads whose work depends on bytes read from /dev/urandom, as a
 * server seeds its hash tables (redis-server: an fread of /dev/urandom).
 *
 * Usage: urandom_seeded [fread|read|fgetc|fgets]
 * main reads 8 bytes from /dev/urandom with the named call (fread: fopen + fread, as
 * redis does; read: open + read; fgetc, fgets: through a stream); two threads then each take
 * a lock 1-16 times, as many as a byte says, and main prints the total.
 *
 * Expected outcome: "took N locks" (N between 2 and 32), exit 0. A replay that read other
 * bytes than its recording took the lock another number of times: it diverges.
 * Families: thread_create, thread_join, mutex_lock, random device reads.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char seed[8];
static int taken;

static void fail(const char* what) {
  perror(what);
  exit(2);
}

static void read_seed(const char* how) {
  if (strcmp(how, "read") == 0) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, seed, sizeof seed) != (ssize_t)sizeof seed) fail("read");
    close(fd);
    return;
  }
  FILE* f = fopen("/dev/urandom", "r");
  if (f == NULL) fail("fopen");
  if (strcmp(how, "fread") == 0) {
    if (fread(seed, 1, sizeof seed, f) != sizeof seed) fail("fread");
  } else if (strcmp(how, "fgetc") == 0) {
    for (size_t i = 0; i < sizeof seed; i++) {
      int c = fgetc(f);
      if (c == EOF) fail("fgetc");
      seed[i] = (unsigned char)c;
    }
  } else if (strcmp(how, "fgets") == 0) {
    char line[4];
    for (size_t i = 0; i < sizeof seed; i++) {
      if (fgets(line, sizeof line, f) == NULL) fail("fgets");
      seed[i] = (unsigned char)line[0];
    }
  } else {
    fprintf(stderr, "unknown mode %s\n", how);
    exit(2);
  }
  fclose(f);
}

static void* worker(void* arg) {
  int times = 1 + *(unsigned char*)arg % 16;
  for (int i = 0; i < times; i++) {
    pthread_mutex_lock(&lock);
    taken++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  read_seed(argc > 1 ? argv[1] : "fread");
  pthread_t a, b;
  pthread_create(&a, NULL, worker, &seed[0]);
  pthread_create(&b, NULL, worker, &seed[5]);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("took %d locks\n", taken);
  return 0;
}
