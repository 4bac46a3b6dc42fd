/* reorder.c N — after SCTBench's reorder_N: N-1 setters each write a = 1 then b = -1 (two
 * locked steps); a checker, created last, reads a then b (two locked steps) and fails when
 * it sees a set without b: it must run between some setter's two steps, and before any
 * setter finished. Exit 1 on the bug. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int a, b;

static void* setter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  a = 1;
  pthread_mutex_unlock(&m);
  pthread_mutex_lock(&m);
  b = -1;
  pthread_mutex_unlock(&m);
  return NULL;
}

static void* checker(void* arg) {
  pthread_mutex_lock(&m);
  int sa = a;
  pthread_mutex_unlock(&m);
  pthread_mutex_lock(&m);
  int sb = b;
  pthread_mutex_unlock(&m);
  if (!((sa == 0 && sb == 0) || (sa == 1 && sb == -1))) *(int*)arg = 1;
  return NULL;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  if (n < 2 || n > 64) return 2;
  pthread_t t[64];
  int bad = 0;
  for (int i = 0; i < n - 1; i++) pthread_create(&t[i], NULL, setter, NULL);
  pthread_create(&t[n - 1], NULL, checker, &bad);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  if (bad) {
    printf("checker saw a without b\n");
    return 1;
  }
  return 0;
}
