/* twostage.c N — after SCTBench's twostage_N: N-1 writers each set data1 under one lock,
 * then data2 = data1 + 1 under another (two stages); one reader, created last, reads data1
 * and, when it is set, data2, and fails when the second stage has not happened: it must
 * run right between some writer's two stages. Exit 1 on the bug. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER, m2 = PTHREAD_MUTEX_INITIALIZER;
static int data1, data2;

static void* writer(void* arg) {
  (void)arg;
  pthread_mutex_lock(&m1);
  data1 = 1;
  pthread_mutex_unlock(&m1);
  pthread_mutex_lock(&m2);
  data2 = data1 + 1;
  pthread_mutex_unlock(&m2);
  return NULL;
}

static void* reader(void* arg) {
  pthread_mutex_lock(&m1);
  int d1 = data1;
  pthread_mutex_unlock(&m1);
  if (d1 == 0) return NULL;
  pthread_mutex_lock(&m2);
  int d2 = data2;
  pthread_mutex_unlock(&m2);
  if (d2 != d1 + 1) *(int*)arg = 1;
  return NULL;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  if (n < 2 || n > 64) return 2;
  pthread_t t[64];
  int bad = 0;
  for (int i = 0; i < n - 1; i++) pthread_create(&t[i], NULL, writer, NULL);
  pthread_create(&t[n - 1], NULL, reader, &bad);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  if (bad) {
    printf("reader saw the first stage without the second\n");
    return 1;
  }
  return 0;
}
