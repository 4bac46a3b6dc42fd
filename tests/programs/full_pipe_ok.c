/* full_pipe_ok.c — main writes 1 MiB in one call to a pipe or a socket that a thread of its
 * own drains: the call blocks until the reader has made room, many times over.
 *
 * Usage: full_pipe_ok [write|writev|send|socket]
 *   write:  write() to a pipe;  writev: writev() of two halves to a pipe;
 *   send:   send() on a stream socketpair;  socket: write() on a stream socketpair.
 * The reader reads in 1000-byte pieces until end of file and counts.
 *
 * Expected outcome: "reader got 1048576 bytes, wrote 1048576", exit 0. A writer that held
 * the turn while the pipe was full would hang the program: the reader could never run.
 * Families: write, writev, send, read, create/join.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { kBytes = 1 << 20 };

static int fds[2];
static char data[kBytes];
static long got;

static void fail(const char* what) {
  perror(what);
  exit(2);
}

static void* reader(void* arg) {
  (void)arg;
  char buf[1000];
  long n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    for (long i = 0; i < n; i++) {
      if (buf[i] != (char)((got + i) % 251)) {
        printf("byte %ld is wrong\n", got + i);
        exit(1);
      }
    }
    got += n;
  }
  if (n < 0) fail("read");
  return NULL;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "write";
  for (long i = 0; i < kBytes; i++) data[i] = (char)(i % 251);
  int socket_mode = strcmp(mode, "send") == 0 || strcmp(mode, "socket") == 0;
  if (socket_mode ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0 : pipe(fds) != 0) {
    fail("pipe");
  }
  pthread_t t;
  if (pthread_create(&t, NULL, reader, NULL) != 0) fail("pthread_create");
  long wrote;
  if (strcmp(mode, "writev") == 0) {
    struct iovec iov[2] = {{data, kBytes / 2}, {data + kBytes / 2, kBytes / 2}};
    wrote = writev(fds[1], iov, 2);
  } else if (strcmp(mode, "send") == 0) {
    wrote = send(fds[1], data, kBytes, 0);
  } else {
    wrote = write(fds[1], data, kBytes);
  }
  if (wrote < 0) fail(mode);
  if (socket_mode) {
    shutdown(fds[1], SHUT_WR);
  } else {
    close(fds[1]);
  }
  pthread_join(t, NULL);
  printf("reader got %ld bytes, wrote %ld\n", got, wrote);
  return got == kBytes && wrote == kBytes ? 0 : 1;
}
