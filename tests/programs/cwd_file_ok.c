// cwd_file_ok: a correct program that uses a fixed file name in its working directory:
// creates "cwd_file_ok.lock" exclusively, writes its pid, computes for a while (real time,
// so that runs side by side overlap), reads the file back and removes it. Fails (exit 1)
// only when another process uses the same file at the same time: runs that share a
// directory collide, isolated runs never do.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;

static void* spin(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  for (unsigned long i = 0; i < 20000000ul; ++i) sink += i;  // ~20 ms of real time
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  const char* name = "cwd_file_ok.lock";
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    perror("cwd_file_ok: create cwd_file_ok.lock");
    return 1;
  }
  char mine[32];
  int n = snprintf(mine, sizeof(mine), "%d\n", (int)getpid());
  if (write(fd, mine, (size_t)n) != n) return 1;
  close(fd);
  pthread_t t;
  pthread_create(&t, NULL, spin, NULL);
  pthread_join(t, NULL);
  char back[32] = {0};
  fd = open(name, O_RDONLY);
  if (fd < 0 || read(fd, back, sizeof(back) - 1) <= 0 || strcmp(back, mine) != 0) {
    fprintf(stderr, "cwd_file_ok: someone else's file: %s", back);
    return 1;
  }
  close(fd);
  if (unlink(name) != 0) {
    perror("cwd_file_ok: unlink");
    return 1;
  }
  FILE* tmp = fopen("/tmp/cwd_file_ok.tmp", "wx");
  if (tmp == NULL) {
    perror("cwd_file_ok: create /tmp/cwd_file_ok.tmp");
    return 1;
  }
  fclose(tmp);
  unlink("/tmp/cwd_file_ok.tmp");
  puts("cwd file ok");
  return 0;
}
