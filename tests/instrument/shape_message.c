// shape_message.c — message passing through a flag without release/acquire: a producer fills
// a message and sets `ready`; a consumer waits for `ready` and reads the message. With a plain
// flag (`./shape_message`) both the flag and the message race; with a relaxed atomic flag
// (`./shape_message relaxed`) the flag no longer races but the message still does (relaxed
// orders nothing); `./shape_message fixed` stores the flag with release and loads it with
// acquire: no race. Under one-at-a-time scheduling the consumer always reads the whole message,
// so this shape is a race report, never an observable failure.
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static int mode;  // 0 plain, 1 relaxed, 2 fixed
static long message;
static int ready;

static void* Produce(void* arg) {
  (void)arg;
  message = 42;  // MESSAGE-WRITE-LINE
  if (mode == 0) {
    ready = 1;  // FLAG-WRITE-LINE
  } else {
    __atomic_store_n(&ready, 1, mode == 1 ? __ATOMIC_RELAXED : __ATOMIC_RELEASE);
  }
  return NULL;
}

static int Ready(void) {
  if (mode == 0) return ready;  // FLAG-READ-LINE
  return __atomic_load_n(&ready, mode == 1 ? __ATOMIC_RELAXED : __ATOMIC_ACQUIRE);
}

static void* Consume(void* arg) {
  long* seen = arg;
  while (!Ready()) sched_yield();
  *seen = message;  // MESSAGE-READ-LINE
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "relaxed") == 0) mode = 1;
  if (argc > 1 && strcmp(argv[1], "fixed") == 0) mode = 2;
  long seen = 0;
  pthread_t producer, consumer;
  pthread_create(&consumer, NULL, Consume, &seen);
  pthread_create(&producer, NULL, Produce, NULL);
  pthread_join(producer, NULL);
  pthread_join(consumer, NULL);
  printf("message %ld\n", seen);
  return seen == 42 ? 0 : 1;
}
