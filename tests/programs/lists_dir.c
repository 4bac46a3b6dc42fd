// lists_dir.c — a program whose synchronization depends on what its working directory
// holds (an interpreter scanning its path does this): it counts the entries of ".", then
// takes a lock once per entry from two threads. A replay must see the directory its
// recording saw: weft may not add a file of its own there while the replay runs.
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int entries;
static int taken;

static void* Take(void* arg) {
  (void)arg;
  for (int i = 0; i < entries; ++i) {
    pthread_mutex_lock(&lock);
    ++taken;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  DIR* d = opendir(".");
  if (d == NULL) return 2;
  while (readdir(d) != NULL) ++entries;
  closedir(d);
  pthread_t t;
  pthread_create(&t, NULL, Take, NULL);
  Take(NULL);
  pthread_join(t, NULL);
  printf("entries %d, taken %d\n", entries, taken);
  return 0;
}
