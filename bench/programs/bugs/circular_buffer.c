/* circular_buffer.c — a ring of 2 slots with two producers (2 items each) and a consumer
 * (4 items): a producer checks for room under the lock, lets it go, and writes under the
 * lock again, so two producers that both saw one free slot overwrite an unread item.
 * Exit 1 on the bug. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define SLOTS 2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count, head, tail, ring[SLOTS], overwritten;

static void* producer(void* arg) {
  int base = *(int*)arg;
  for (int i = 0; i < 2;) {
    pthread_mutex_lock(&lock);
    int room = count < SLOTS, over = overwritten;
    pthread_mutex_unlock(&lock);
    if (over) return NULL;
    if (!room) {
      sched_yield();
      continue;
    }
    pthread_mutex_lock(&lock); /* the bug: the room may be gone */
    if (count == SLOTS) overwritten = 1;
    ring[head] = base + i;
    head = (head + 1) % SLOTS;
    if (count < SLOTS) count++;
    pthread_mutex_unlock(&lock);
    i++;
  }
  return NULL;
}

static void* consumer(void* arg) {
  (void)arg;
  for (int got = 0; got < 4;) {
    pthread_mutex_lock(&lock);
    if (count > 0 || overwritten) {
      if (overwritten) {
        pthread_mutex_unlock(&lock);
        return NULL;
      }
      tail = (tail + 1) % SLOTS;
      count--;
      got++;
    }
    pthread_mutex_unlock(&lock);
    sched_yield();
  }
  return NULL;
}

int main(void) {
  pthread_t p1, p2, c;
  int b1 = 10, b2 = 20;
  pthread_create(&c, NULL, consumer, NULL);
  pthread_create(&p1, NULL, producer, &b1);
  pthread_create(&p2, NULL, producer, &b2);
  pthread_join(p1, NULL);
  pthread_join(p2, NULL);
  pthread_join(c, NULL);
  if (overwritten) {
    printf("a producer overwrote an unread item\n");
    return 1;
  }
  return 0;
}
