/* poll_pipe_ok.c — a thread waits for a pipe to become readable while main works, then
 * main writes to it.
 *
 * Usage: poll_pipe_ok [poll|ppoll|select|epoll|read]
 * The reader waits on the pipe's read end with the named call (read: a plain blocking
 * read); main meanwhile takes and releases a lock 100 times, then writes "hello" and joins.
 *
 * Expected outcome: "reader got 'hello' after 100 steps", exit 0. A reader that held the
 * turn while blocked would hang the program before main could write.
 * Families: poll, ppoll, select, epoll_wait, read, create/join, mutex_lock.
 * Built fortified too (poll_pipe_fortified: -O2 -D_FORTIFY_SOURCE=2): with sizes the
 * compiler cannot see, its read and poll are then glibc's __read_chk and __poll_chk.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int steps;
static int fds[2];
static const char* mode = "poll";
/* Not constants, so that a fortified build checks them at run time. */
static volatile size_t hello_size = 5;
static volatile nfds_t one_fd = 1;

static void fail(const char* what) {
  perror(what);
  exit(2);
}

static void* reader(void* arg) {
  (void)arg;
  if (strcmp(mode, "poll") == 0) {
    struct pollfd p = {fds[0], POLLIN, 0};
    if (poll(&p, one_fd, -1) != 1) fail("poll");
  } else if (strcmp(mode, "ppoll") == 0) {
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec ts = {3600, 0};
    if (ppoll(&p, one_fd, &ts, NULL) != 1) fail("ppoll");
  } else if (strcmp(mode, "select") == 0) {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    if (select(fds[0] + 1, &r, NULL, NULL, NULL) != 1 || !FD_ISSET(fds[0], &r)) fail("select");
  } else if (strcmp(mode, "epoll") == 0) {
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[0]};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) != 0) fail("epoll_ctl");
    struct epoll_event out;
    if (epoll_wait(ep, &out, 1, -1) != 1 || out.data.fd != fds[0]) fail("epoll_wait");
    close(ep);
  } else if (strcmp(mode, "read") != 0) {
    fprintf(stderr, "unknown mode %s\n", mode);
    exit(2);
  }
  char buf[16] = {0};
  if (read(fds[0], buf, hello_size) != 5) fail("read");
  pthread_mutex_lock(&lock);
  printf("reader got '%s' after %d steps\n", buf, steps);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) mode = argv[1];
  if (pipe(fds) != 0) fail("pipe");
  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  for (int i = 0; i < 100; i++) {
    pthread_mutex_lock(&lock);
    steps++;
    pthread_mutex_unlock(&lock);
  }
  if (write(fds[1], "hello", 5) != 5) fail("write");
  pthread_join(t, NULL);
  return 0;
}
