// closes_fds.c — a child that closes every descriptor it did not open before it execs, as a
// subprocess library does (Python's subprocess with close_fds, a daemon's start-up): under
// weft, the image it execs must still run under control. Modes: close_range, closefrom and
// close_loop (close(fd) for every fd from 3 to the open-file limit) close, then exec this
// program as "child", which counts to 2 under a lock from two threads; firstfd prints the
// number the program's first open gets (3 natively).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void* Count(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  ++count;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static int Child(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, Count, NULL);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  printf("child counted %d\n", count);
  return 0;
}

static void CloseAll(const char* mode) {
  if (strcmp(mode, "close_range") == 0) {
    close_range(3, ~0u, 0);
  } else if (strcmp(mode, "closefrom") == 0) {
    closefrom(3);
  } else {
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    for (long fd = 3; fd < (long)limit.rlim_cur && fd < 65536; ++fd) close((int)fd);
  }
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "close_range";
  if (strcmp(mode, "child") == 0) return Child();
  if (strcmp(mode, "firstfd") == 0) {
    printf("first fd %d\n", open("/dev/null", O_RDONLY));
    return 0;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    CloseAll(mode);
    execl("/proc/self/exe", argv[0], "child", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent saw the child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
