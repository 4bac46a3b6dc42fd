// stream_kind.c — behaves by what its stdout and stderr are, as real programs do (stdio
// buffers a terminal by line and a pipe or file by block; tools print colours to a terminal
// only): a worker thread takes a lock 3 times when stdout is a file, 5 times when it is a
// pipe, 7 times when it is a terminal, 9 otherwise, one more time when stderr is stdout's
// file. Prints "stdout is KIND, stderr is KIND[, the same file]" on stdout, and "stderr
// line" on stderr. A replay must give it the kinds its recording had to follow the trace.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int rounds;
static long total;

static const char* kind_of(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return "closed";
  if (isatty(fd)) return "a terminal";
  if (S_ISREG(st.st_mode)) return "a file";
  if (S_ISFIFO(st.st_mode)) return "a pipe";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "something else";
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < rounds; ++i) {
    pthread_mutex_lock(&lock);
    ++total;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  const char* out = kind_of(1);
  const char* err = kind_of(2);
  struct stat a, b;
  int same = fstat(1, &a) == 0 && fstat(2, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  rounds = strcmp(out, "a file") == 0       ? 3
           : strcmp(out, "a pipe") == 0     ? 5
           : strcmp(out, "a terminal") == 0 ? 7
                                            : 9;
  rounds += same;
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&lock);
  ++total;
  pthread_mutex_unlock(&lock);
  pthread_join(t, NULL);
  printf("stdout is %s, stderr is %s%s\n", out, err, same ? ", the same file" : "");
  fflush(stdout);
  fprintf(stderr, "stderr line\n");
  return total == rounds + 1 ? 0 : 1;
}
