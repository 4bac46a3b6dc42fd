// shape_reorder.c — the "reorder" shape: setter threads store `a = 1; b = -1;` while a checker
// reads a and then b and requires one of the two consistent states (0, 0) or (1, -1); a
// checker that reads between a setter's two stores sees a == 1, b == 0. `./shape_reorder
// fixed` publishes the pair under a lock (setters and checker). Exit 1 when the checker saw
// the half-set pair.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SETTERS 3

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int a, b;
static int bad;

static void* Set(void* arg) {
  (void)arg;
  if (fixed) pthread_mutex_lock(&lock);
  a = 1;   // SET-A-LINE
  b = -1;  // SET-B-LINE
  if (fixed) pthread_mutex_unlock(&lock);
  return NULL;
}

static void* Check(void* arg) {
  (void)arg;
  if (fixed) pthread_mutex_lock(&lock);
  int seen_a = a;  // CHECK-A-LINE
  int seen_b = b;  // CHECK-B-LINE
  if (fixed) pthread_mutex_unlock(&lock);
  if (seen_a == 1 && seen_b == 0) bad = 1;
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t setters[SETTERS], checker;
  for (int i = 0; i < SETTERS; i++) pthread_create(&setters[i], NULL, Set, NULL);
  pthread_create(&checker, NULL, Check, NULL);
  for (int i = 0; i < SETTERS; i++) pthread_join(setters[i], NULL);
  pthread_join(checker, NULL);
  printf(bad ? "checker saw a == 1, b == 0\n" : "consistent\n");
  return bad;
}
