// reads_stdin: reads a name from stdin while a second thread counts under a mutex; prints
// "hello NAME" and exits 0 when it read a name, exits 3 when stdin gave nothing.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void* counter(void* arg) {
  (void)arg;
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&lock);
    ++count;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, counter, NULL);
  char name[256];
  int got = fgets(name, sizeof(name), stdin) != NULL;
  pthread_mutex_lock(&lock);
  ++count;
  pthread_mutex_unlock(&lock);
  pthread_join(t, NULL);
  if (!got || name[0] == '\n') {
    fprintf(stderr, "no name on stdin\n");
    return 3;
  }
  name[strcspn(name, "\n")] = '\0';
  printf("hello %s (count %d)\n", name, count);
  return 0;
}
