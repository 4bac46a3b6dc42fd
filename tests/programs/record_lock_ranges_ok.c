/* record_lock_ranges_ok.c — what POSIX record locks between two forked processes do.
 *
 * Modes:
 *   ranges  Each of two children locks its own half of a 200-byte file (fcntl F_SETLKW,
 *           F_WRLCK: bytes 0-99 and 100-199) and says so on a pipe; once the parent has
 *           heard both, it lets each go on (a pipe each), and each tests the other's half
 *           with F_GETLK: held by the other process (both ranges are held at once: locks on
 *           disjoint ranges do not block). Then the first child's F_SETLK of bytes 50-149
 *           must be refused (EAGAIN or EACCES: it overlaps the second child's lock).
 *           Prints "both ranges held at once; the overlap was refused".
 *   close   The holder locks the whole file (F_SETLKW) and lets the waiter go on (through
 *           shared memory), which blocks in F_SETLKW of the whole file once it has said so.
 *           The holder then opens the file again and closes that second descriptor: POSIX
 *           drops all of a process's locks on a file at any close of it. The holder keeps
 *           running (sched_yield, up to 100000 times) until the waiter says, through shared
 *           memory, that it has the lock.
 *           Prints "the waiter got the lock while the holder ran".
 *   unlock  The same, the holder unlocking with F_UNLCK instead of the close.
 *
 * Expected outcome: the message and exit 0; exit 1 when the waiter did not get the lock
 * while the holder ran, 2 on an unexpected result (a range held or free that should not be).
 * Families: fork, waitpid, fcntl locks, pipe, process exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* kFile = "record_lock_ranges.dat";
enum { kHalf = 100, kYields = 100000 };

static struct flock Range(short type, off_t start, off_t len) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

static int ReadByte(int fd) {
  char c;
  return read(fd, &c, 1) == 1 ? 0 : -1;
}

static int WriteByte(int fd) { return write(fd, "x", 1) == 1 ? 0 : -1; }

/* ranges: child `half` (0 or 1). */
static int RangeChild(int half, int ready_w, int go_r) {
  int fd = open(kFile, O_RDWR);
  if (fd < 0) return 2;
  struct flock mine = Range(F_WRLCK, half * kHalf, kHalf);
  if (fcntl(fd, F_SETLKW, &mine) != 0) return 2;
  if (WriteByte(ready_w) != 0 || ReadByte(go_r) != 0) return 2;
  struct flock other = Range(F_WRLCK, (1 - half) * kHalf, kHalf);
  if (fcntl(fd, F_GETLK, &other) != 0) return 2;
  if (other.l_type != F_WRLCK || other.l_pid == getpid() || other.l_pid <= 0) {
    fprintf(stderr, "child %d: the other half is not held by the other child (type %d)\n", half,
            other.l_type);
    return 2;
  }
  if (half == 0) {
    struct flock overlap = Range(F_WRLCK, kHalf / 2, kHalf);
    if (fcntl(fd, F_SETLK, &overlap) == 0 || (errno != EAGAIN && errno != EACCES)) {
      fprintf(stderr, "child 0: the overlapping range was not refused\n");
      return 2;
    }
  }
  /* Both have tested before either lets go. */
  if (WriteByte(ready_w) != 0 || ReadByte(go_r) != 0) return 2;
  close(fd);
  return 0;
}

/* close, unlock: shared[0] the waiter is about to wait, shared[1] it has the lock. NB: no pipe
 * between them: the holder keeps running while the waiter waits for the lock alone. */
static int Holder(const char* mode, volatile int* shared) {
  int fd = open(kFile, O_RDWR);
  if (fd < 0) return 2;
  struct flock all = Range(F_WRLCK, 0, 0);
  if (fcntl(fd, F_SETLKW, &all) != 0) return 2;
  shared[2] = 1; /* the lock is held: the waiter may go on */
  for (int i = 0; i < kYields && shared[0] == 0; i++) sched_yield();
  if (strcmp(mode, "close") == 0) {
    int again = open(kFile, O_RDONLY);
    if (again < 0) return 2;
    close(again); /* drops this process's locks on the file */
  } else {
    struct flock none = Range(F_UNLCK, 0, 0);
    if (fcntl(fd, F_SETLK, &none) != 0) return 2;
  }
  for (int i = 0; i < kYields && shared[1] == 0; i++) sched_yield();
  int code = shared[1] != 0 ? 0 : 1;
  close(fd);
  return code;
}

static int Waiter(volatile int* shared) {
  int fd = open(kFile, O_RDWR);
  if (fd < 0) return 2;
  for (int i = 0; i < kYields && shared[2] == 0; i++) sched_yield();
  struct flock all = Range(F_WRLCK, 0, 0);
  shared[0] = 1;
  if (fcntl(fd, F_SETLKW, &all) != 0) return 2;
  shared[1] = 1;
  close(fd);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ranges";
  int fd = open(kFile, O_RDWR | O_CREAT | O_TRUNC, 0644);
  char zeros[2 * kHalf] = {0};
  if (fd < 0 || write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) {
    perror(kFile);
    return 2;
  }
  close(fd);
  volatile int* shared =
      mmap(NULL, 3 * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int ready[2], go[2][2]; /* a pipe to each child: neither takes the other's go-ahead */
  if (shared == MAP_FAILED || pipe(ready) != 0 || pipe(go[0]) != 0 || pipe(go[1]) != 0) return 2;
  fflush(stdout);
  int ranges = strcmp(mode, "ranges") == 0;
  pid_t children[2];
  for (int i = 0; i < 2; i++) {
    children[i] = fork();
    if (children[i] < 0) return 2;
    if (children[i] == 0) {
      int code = ranges   ? RangeChild(i, ready[1], go[i][0])
                 : i == 0 ? Holder(mode, shared)
                          : Waiter(shared);
      _exit(code);
    }
  }
  if (ranges) {
    for (int round = 0; round < 2; round++) {
      if (ReadByte(ready[0]) != 0 || ReadByte(ready[0]) != 0) return 2;
      if (WriteByte(go[0][1]) != 0 || WriteByte(go[1][1]) != 0) return 2;
    }
  }
  int worst = 0;
  for (int i = 0; i < 2; i++) {
    int status = 0;
    if (waitpid(children[i], &status, 0) != children[i] || !WIFEXITED(status)) return 2;
    if (WEXITSTATUS(status) > worst) worst = WEXITSTATUS(status);
  }
  unlink(kFile);
  if (worst == 0) {
    printf(ranges ? "both ranges held at once; the overlap was refused\n"
                  : "the waiter got the lock while the holder ran\n");
  } else if (worst == 1) {
    printf("the waiter did not get the lock while the holder ran\n");
  }
  return worst;
}
