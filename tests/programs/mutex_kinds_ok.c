/* mutex_kinds_ok.c — recursive and error-checking mutexes behave as POSIX says.
 *
 * Recursive: main locks it 3 times and trylocks it once (all succeed); another thread's
 * trylock meanwhile returns EBUSY; after 4 unlocks the other thread can lock it. Then two
 * threads each do 20 nested lock/lock/unlock/unlock increments of a shared counter.
 * Error-checking: lock, relock -> EDEADLK, trylock -> EBUSY, unlock by another thread ->
 * EPERM, unlock -> 0, unlock again -> EPERM.
 *
 * Expected outcome: "mutex kinds ok: counter = 40", exit 0. A wrong return code prints
 * the failed check and exits 1.
 * Families: pthread_mutex_lock/trylock/unlock on PTHREAD_MUTEX_RECURSIVE and
 * PTHREAD_MUTEX_ERRORCHECK, mutexattr, create/join.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)
#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

static pthread_mutex_t recursive_lock;
static pthread_mutex_t errorcheck_lock;
static int counter;

static void* try_recursive(void* arg) {
  EXPECT(pthread_mutex_trylock(&recursive_lock) == EBUSY);
  return NULL;
}

static void* lock_recursive(void* arg) {
  CHECK0(pthread_mutex_lock(&recursive_lock));
  CHECK0(pthread_mutex_unlock(&recursive_lock));
  return NULL;
}

static void* unlock_errorcheck(void* arg) {
  EXPECT(pthread_mutex_unlock(&errorcheck_lock) == EPERM);
  return NULL;
}

static void* nested_adder(void* arg) {
  for (int i = 0; i < 20; i++) {
    CHECK0(pthread_mutex_lock(&recursive_lock));
    CHECK0(pthread_mutex_lock(&recursive_lock));
    counter++;
    CHECK0(pthread_mutex_unlock(&recursive_lock));
    CHECK0(pthread_mutex_unlock(&recursive_lock));
  }
  return NULL;
}

static void run(void* (*fn)(void*)) {
  pthread_t t;
  CHECK0(pthread_create(&t, NULL, fn, NULL));
  CHECK0(pthread_join(t, NULL));
}

int main(void) {
  pthread_mutexattr_t attr;
  CHECK0(pthread_mutexattr_init(&attr));
  CHECK0(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE));
  CHECK0(pthread_mutex_init(&recursive_lock, &attr));
  CHECK0(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK));
  CHECK0(pthread_mutex_init(&errorcheck_lock, &attr));
  CHECK0(pthread_mutexattr_destroy(&attr));

  CHECK0(pthread_mutex_lock(&recursive_lock));
  CHECK0(pthread_mutex_lock(&recursive_lock));
  CHECK0(pthread_mutex_lock(&recursive_lock));
  EXPECT(pthread_mutex_trylock(&recursive_lock) == 0);
  run(try_recursive);
  for (int i = 0; i < 4; i++) CHECK0(pthread_mutex_unlock(&recursive_lock));
  run(lock_recursive);

  CHECK0(pthread_mutex_lock(&errorcheck_lock));
  EXPECT(pthread_mutex_lock(&errorcheck_lock) == EDEADLK);
  EXPECT(pthread_mutex_trylock(&errorcheck_lock) == EBUSY);
  run(unlock_errorcheck);
  EXPECT(pthread_mutex_unlock(&errorcheck_lock) == 0);
  EXPECT(pthread_mutex_unlock(&errorcheck_lock) == EPERM);

  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, nested_adder, NULL));
  CHECK0(pthread_create(&b, NULL, nested_adder, NULL));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("mutex kinds ok: counter = %d\n", counter);
  return counter == 40 ? 0 : 1;
}
