/* wsq.c — a work-stealing queue whose owner's pop and a thief's steal decide on the last
 * item under different locks: the owner pushes 4 tasks and pops them; a thief steals. The
 * owner lowers `bottom` under the bottom lock, then checks `top` under the top lock; a
 * thief that took the same task in between is not seen, so one task runs twice. Exit 1
 * on the bug. */
#include <pthread.h>
#include <stdio.h>

#define TASKS 4

static pthread_mutex_t bottom_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t top_lock = PTHREAD_MUTEX_INITIALIZER;
static int tasks[TASKS], top, bottom, ran[TASKS];

static void run(int task) {
  pthread_mutex_lock(&top_lock);
  ran[task]++;
  pthread_mutex_unlock(&top_lock);
}

static void* owner(void* arg) {
  (void)arg;
  for (int i = 0; i < TASKS; i++) {
    pthread_mutex_lock(&bottom_lock);
    tasks[bottom] = i;
    bottom++;
    pthread_mutex_unlock(&bottom_lock);
  }
  for (;;) {
    pthread_mutex_lock(&bottom_lock);
    int b = --bottom;
    pthread_mutex_unlock(&bottom_lock);
    pthread_mutex_lock(&top_lock);
    int t = top;
    pthread_mutex_unlock(&top_lock);
    if (b < t) { /* empty: put bottom back */
      pthread_mutex_lock(&bottom_lock);
      bottom = t;
      pthread_mutex_unlock(&bottom_lock);
      return NULL;
    }
    run(tasks[b]); /* the bug: for b == t the thief may have taken it since */
  }
}

static void* thief(void* arg) {
  (void)arg;
  for (int tries = 0; tries < 3; tries++) {
    pthread_mutex_lock(&top_lock);
    int t = top;
    pthread_mutex_unlock(&top_lock);
    pthread_mutex_lock(&bottom_lock);
    int b = bottom;
    pthread_mutex_unlock(&bottom_lock);
    if (t >= b) continue;
    pthread_mutex_lock(&top_lock);
    int won = top == t;
    if (won) top = t + 1;
    pthread_mutex_unlock(&top_lock);
    if (won) run(tasks[t]);
  }
  return NULL;
}

int main(void) {
  pthread_t o, s;
  pthread_create(&o, NULL, owner, NULL);
  pthread_create(&s, NULL, thief, NULL);
  pthread_join(o, NULL);
  pthread_join(s, NULL);
  for (int i = 0; i < TASKS; i++) {
    if (ran[i] != 1) {
      printf("task %d ran %d times\n", i, ran[i]);
      return 1;
    }
  }
  return 0;
}
