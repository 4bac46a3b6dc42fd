// pipe_stream_shared_ok.c — stdio reads of a pipe between processes of the session that the
// shim must leave as glibc makes them:
//   shared  two threads read lines of one pipe stream (getline) with a buffer of the
//           program's own, followed by a guard area; the writer (a child) sends half a
//           line, waits until both readers are waiting, then 12,000 bytes of lines. Each
//           line is counted once, and nothing is written past the buffer.
//   write   fgets and getline of a stream on a pipe's write end: glibc fails them at once
//           (EBADF, the stream's error flag), they must not wait for data.
// Prints "shared: 1200 lines, guard intact" / "write: fgets NULL EBADF, getline -1 EBADF".
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kBuffer = 4096, kGuard = 8192, kBurst = 12000 };

static FILE* stream;
static struct {
  char buffer[kBuffer];
  char guard[kGuard];
} area;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int waiting;
static long lines;

static void* Reader(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  ++waiting;
  pthread_cond_broadcast(&ready);
  pthread_mutex_unlock(&lock);
  char* line = NULL;
  size_t size = 0;
  while (getline(&line, &size, stream) > 0) {
    pthread_mutex_lock(&lock);
    ++lines;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static int Shared(void) {
  int data[2], go[2];
  if (pipe(data) != 0 || pipe(go) != 0) return 2;
  memset(area.guard, 'G', sizeof area.guard);
  pid_t child = fork();
  if (child == 0) {
    close(data[0]);
    close(go[1]);
    char half[100];
    memset(half, 'a', sizeof half);
    if (write(data[1], half, sizeof half) != (ssize_t)sizeof half) _exit(3);
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(4);
    static char burst[kBurst];
    for (int i = 0; i < kBurst; ++i) burst[i] = i % 10 == 9 ? '\n' : 'b';
    if (write(data[1], burst, sizeof burst) != (ssize_t)sizeof burst) _exit(5);
    _exit(0);
  }
  close(data[1]);
  close(go[0]);
  stream = fdopen(data[0], "r");
  setvbuf(stream, area.buffer, _IOFBF, sizeof area.buffer);
  pthread_t a, b;
  pthread_create(&a, NULL, Reader, NULL);
  pthread_create(&b, NULL, Reader, NULL);
  pthread_mutex_lock(&lock);
  while (waiting < 2) pthread_cond_wait(&ready, &lock);
  pthread_mutex_unlock(&lock);
  if (write(go[1], "x", 1) != 1) return 2;
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  int status = 0;
  waitpid(child, &status, 0);
  int spoiled = 0;
  for (int i = 0; i < kGuard; ++i) spoiled += area.guard[i] != 'G';
  printf("shared: %ld lines, %s\n", lines, spoiled == 0 ? "guard intact" : "guard overwritten");
  return spoiled == 0 && lines == kBurst / 10 && status == 0 ? 0 : 1;
}

static int WriteEnd(void) {
  int p[2];
  if (pipe(p) != 0) return 2;
  pid_t child = fork();
  if (child == 0) {  // the reader of the pipe: one line, then the end
    close(p[1]);
    char b[16];
    while (read(p[0], b, sizeof b) > 0) {
    }
    _exit(0);
  }
  close(p[0]);
  FILE* w = fdopen(p[1], "w");
  char buf[32];
  errno = 0;
  char* got = fgets(buf, sizeof buf, w);
  int fgets_errno = errno;
  clearerr(w);
  char* line = NULL;
  size_t size = 0;
  errno = 0;
  ssize_t n = getline(&line, &size, w);
  int getline_errno = errno;
  printf("write: fgets %s %s, getline %zd %s\n", got ? "data" : "NULL",
         fgets_errno == EBADF ? "EBADF" : strerror(fgets_errno), n,
         getline_errno == EBADF ? "EBADF" : strerror(getline_errno));
  fputs("bye\n", w);
  fclose(w);
  waitpid(child, NULL, 0);
  return got == NULL && fgets_errno == EBADF && n == -1 && getline_errno == EBADF ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "write") == 0) return WriteEnd();
  return Shared();
}
