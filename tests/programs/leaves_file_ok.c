// leaves_file_ok: a correct program that leaves a file behind: it fails (exit 1) when it
// finds "leaves_file_ok.mark" in its working directory or /tmp/leaves_file_ok.mark (what an
// earlier run left), else creates both, takes a lock in two threads and exits 0. Run after
// run in one directory, every run but the first fails; runs that each start from the same
// view of the files (isolated, one after another in one worker too) all pass.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void* work(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  ++counter;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static int leave(const char* name) {
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    fprintf(stderr, "leaves_file_ok: %s is there already: an earlier run left it\n", name);
    return 1;
  }
  close(fd);
  return 0;
}

int main(void) {
  if (leave("leaves_file_ok.mark") != 0 || leave("/tmp/leaves_file_ok.mark") != 0) return 1;
  pthread_t t;
  pthread_create(&t, NULL, work, NULL);
  work(NULL);
  pthread_join(t, NULL);
  printf("left files, counter = %d\n", counter);
  return 0;
}
