/* poll_timer_ok.c — an event loop with a timer beside a worker: one thread waits in poll
 * (or epoll_wait) on a pipe nobody writes, with a timeout of 50 ms, and at each timeout
 * takes a lock and counts a tick; the other takes the lock 200 times meanwhile.
 *
 * Usage: poll_timer_ok [poll|epoll]
 * Expected outcome: "ticks 5, work 200", exit 0, under any schedule. When the timer's
 * timeouts happen is the scheduler's choice of when time passes; a replay must make it
 * where its recording did, though a timeout of a readiness wait is no event.
 * Families: thread_create, thread_join, mutex_lock, poll, epoll_wait.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ticks, work;
static int fds[2];
static int use_epoll;

static void* timer(void* arg) {
  (void)arg;
  int ep = -1;
  if (use_epoll) {
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[0]};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) != 0) exit(2);
  }
  for (int i = 0; i < 5; i++) {
    int n;
    if (use_epoll) {
      struct epoll_event out;
      n = epoll_wait(ep, &out, 1, 50);
    } else {
      struct pollfd p = {fds[0], POLLIN, 0};
      n = poll(&p, 1, 50);
    }
    if (n != 0) exit(2); /* nobody writes the pipe: only timeouts */
    pthread_mutex_lock(&lock);
    ticks++;
    pthread_mutex_unlock(&lock);
  }
  if (ep >= 0) close(ep);
  return NULL;
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 200; i++) {
    pthread_mutex_lock(&lock);
    work++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  use_epoll = argc > 1 && strcmp(argv[1], "epoll") == 0;
  if (pipe(fds) != 0) return 2;
  pthread_t a, b;
  pthread_create(&a, NULL, timer, NULL);
  pthread_create(&b, NULL, worker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("ticks %d, work %d\n", ticks, work);
  return 0;
}
