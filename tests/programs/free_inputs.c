// Three threads whose work depends on what comes from outside the process: each reads the
// first line of a file (argv[1], else the program itself), draws random bytes (getrandom),
// and then, 40 times, reads the clock and takes one of two locks by the microseconds it
// read. Each prints what it saw and which locks it took. A replay of a free recording
// (weft record --free) feeds the recorded clock reads, random bytes and file contents back,
// so it prints the recording's lines even after the file changed.
//   free_inputs [FILE [fail]]   fail: exit 1 when a thread read a line that starts with
//                               "first" (a failure that depends on the file alone)
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { kThreads = 3, kRounds = 40 };

static pthread_mutex_t locks[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static long counts[2];
static const char* path;

struct Seen {
  char line[32];
  unsigned random;
  long picks[2];
  unsigned long micros;  // sum of the microseconds digits read
  long stamp;            // thread 0: gettimeofday and time, folded
};
static struct Seen seen[kThreads];

static void* work(void* arg) {
  struct Seen* s = &seen[(long)arg];
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, s->line, sizeof s->line - 1);
    if (n > 0) s->line[n] = '\0';
    close(fd);
  }
  for (char* p = s->line; *p != '\0'; ++p) {
    if (*p == '\n' || (unsigned char)*p < ' ' || (unsigned char)*p > '~') *p = '\0';
    if (*p == '\0') break;
  }
  if (getrandom(&s->random, sizeof s->random, 0) != sizeof s->random) s->random = 0;
  unsigned salt = s->random ^ (unsigned)strlen(s->line);
  for (int i = 0; i < kRounds; ++i) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned micros = (unsigned)(ts.tv_nsec / 1000 % 1000);
    int which = (int)((micros + salt + (unsigned)i) & 1);
    pthread_mutex_lock(&locks[which]);
    ++counts[which];
    pthread_mutex_unlock(&locks[which]);
    ++s->picks[which];
    s->micros += micros;
  }
  if (arg == 0) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    s->stamp = (long)(tv.tv_usec % 1000) + (long)(time(NULL) % 1000) * 1000;
  }
  return NULL;
}

int main(int argc, char** argv) {
  path = argc > 1 ? argv[1] : argv[0];
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; ++i) pthread_create(&threads[i], NULL, work, (void*)i);
  for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
  for (int i = 0; i < kThreads; ++i) {
    printf("thread %d read '%s' random %u micros %lu took %ld/%ld stamp %ld\n", i, seen[i].line,
           seen[i].random, seen[i].micros, seen[i].picks[0], seen[i].picks[1], seen[i].stamp);
  }
  printf("locks taken %ld/%ld\n", counts[0], counts[1]);
  if (argc > 2 && strcmp(argv[2], "fail") == 0) {
    for (int i = 0; i < kThreads; ++i) {
      if (strncmp(seen[i].line, "first", 5) == 0) {
        printf("thread %d read the first version\n", i);
        return 1;
      }
    }
  }
  return 0;
}
