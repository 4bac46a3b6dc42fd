// dir_entries_ok.c — a program whose events depend on what a directory holds: the main
// thread reads the entries of the directory it is given (readdir, or readdir_r) and takes a
// lock between each two, while a second thread takes the same lock five times. A directory
// that gained or lost a file since the recording changes how often the lock is taken: the
// replay must read the recorded entries (a directory's entries are a recorded input).
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int entries;
static int worker_taken;

static void* Worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 5; ++i) {
    pthread_mutex_lock(&lock);
    ++worker_taken;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static struct dirent* Next(DIR* d, int reentrant) {
  if (!reentrant) return readdir(d);
  static struct dirent entry;
  struct dirent* result = NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  int rc = readdir_r(d, &entry, &result);
#pragma GCC diagnostic pop
  return rc == 0 ? result : NULL;
}

int main(int argc, char** argv) {
  if (argc != 3 || (strcmp(argv[1], "readdir") != 0 && strcmp(argv[1], "readdir_r") != 0)) {
    fprintf(stderr, "usage: dir_entries_ok readdir|readdir_r DIR\n");
    return 2;
  }
  const int reentrant = strcmp(argv[1], "readdir_r") == 0;
  pthread_t t;
  pthread_create(&t, NULL, Worker, NULL);
  DIR* d = opendir(argv[2]);
  if (d == NULL) {
    perror(argv[2]);
    return 2;
  }
  unsigned names = 0;  // a digest of the names read, in their order
  for (struct dirent* e; (e = Next(d, reentrant)) != NULL;) {
    pthread_mutex_lock(&lock);
    ++entries;
    pthread_mutex_unlock(&lock);
    for (const char* p = e->d_name; *p != '\0'; ++p) names = names * 31 + (unsigned char)*p;
  }
  closedir(d);
  pthread_join(t, NULL);
  printf("entries %d (names %08x), worker %d\n", entries, names, worker_taken);
  return 0;
}
