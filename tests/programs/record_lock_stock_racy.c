/* record_lock_stock_racy.c — two forked processes sell from a stock file under fcntl locks.
 *
 * The parent writes "1" to a stock file in the working directory and forks two sellers.
 * Each seller opens the stock, reads it, and if an item is left writes the stock less one
 * back and exits 0 ("sold"), else exits 1. With both reads before either write, both sell
 * the one item: the parent sees two sales and says "oversold" (exit 1). Modes:
 *   none    (default) no lock: racy;
 *   setlkw  an exclusive POSIX record lock on the whole file, fcntl(F_SETLKW), around the
 *           read-check-write, released by fcntl(F_UNLCK) (correct);
 *   lockf   the same with lockf(F_LOCK) / lockf(F_ULOCK) from offset 0 (correct);
 *   ofd     the same with an open file description lock, fcntl(F_OFD_SETLKW) (correct);
 *   setlk   fcntl(F_SETLK) tried until it succeeds, a sched_yield between tries; the lock is
 *           dropped by the seller's exit, not by an unlock (correct).
 * Each locked mode also tests the lock with F_GETLK (lockf: F_TEST) while it holds it: its
 * own lock must not be reported ("held by another process" exits 2).
 *
 * Expected outcome natively: "sold 1, stock 0" and exit 0 nearly always.
 * Families: fork, waitpid, open, read, write, fcntl, lockf, process exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* kStock = "record_lock_stock.txt";

static int ReadStock(int fd) {
  char buf[16] = {0};
  if (pread(fd, buf, sizeof buf - 1, 0) < 0) return -100;
  return atoi(buf);
}

static struct flock WholeFile(short type) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0; /* to the end, however long */
  return fl;
}

/* Takes the stock's lock in `mode`; 0, or 2 on an error. */
static int Lock(int fd, const char* mode) {
  if (strcmp(mode, "setlkw") == 0 || strcmp(mode, "ofd") == 0) {
    struct flock fl = WholeFile(F_WRLCK);
    int cmd = strcmp(mode, "ofd") == 0 ? F_OFD_SETLKW : F_SETLKW;
    return fcntl(fd, cmd, &fl) == 0 ? 0 : 2;
  }
  if (strcmp(mode, "lockf") == 0) return lockf(fd, F_LOCK, 0) == 0 ? 0 : 2;
  if (strcmp(mode, "setlk") == 0) {
    for (;;) {
      struct flock fl = WholeFile(F_WRLCK);
      if (fcntl(fd, F_SETLK, &fl) == 0) return 0;
      if (errno != EAGAIN && errno != EACCES) return 2;
      sched_yield();
    }
  }
  return 0;
}

/* While holding the lock: a test of it must not report another process's. */
static int TestOwnLock(int fd, const char* mode) {
  if (strcmp(mode, "lockf") == 0) return lockf(fd, F_TEST, 0) == 0 ? 0 : 2;
  struct flock fl = WholeFile(F_WRLCK);
  int cmd = strcmp(mode, "ofd") == 0 ? F_OFD_GETLK : F_GETLK;
  if (fcntl(fd, cmd, &fl) != 0) return 2;
  if (fl.l_type != F_UNLCK) {
    fprintf(stderr, "held by another process (pid %d)\n", (int)fl.l_pid);
    return 2;
  }
  return 0;
}

static int Unlock(int fd, const char* mode) {
  if (strcmp(mode, "lockf") == 0) return lockf(fd, F_ULOCK, 0) == 0 ? 0 : 2;
  if (strcmp(mode, "setlk") == 0) return 0; /* the exit drops it */
  struct flock fl = WholeFile(F_UNLCK);
  int cmd = strcmp(mode, "ofd") == 0 ? F_OFD_SETLK : F_SETLK;
  return fcntl(fd, cmd, &fl) == 0 ? 0 : 2;
}

static int Sell(const char* mode) {
  int locked = strcmp(mode, "none") != 0;
  int fd = open(kStock, O_RDWR);
  if (fd < 0) return 2;
  if (locked && (Lock(fd, mode) != 0 || TestOwnLock(fd, mode) != 0)) return 2;
  int stock = ReadStock(fd);
  int sold = 0;
  if (stock > 0) { /* the check, then the write-back */
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d\n", stock - 1);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) return 2;
    sold = 1;
  }
  if (locked && Unlock(fd, mode) != 0) return 2;
  if (strcmp(mode, "setlk") != 0) close(fd);
  return sold ? 0 : 1;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "none";
  int fd = open(kStock, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "1\n", 2) != 2) {
    perror(kStock);
    return 2;
  }
  close(fd);
  fflush(stdout);
  pid_t children[2];
  for (int i = 0; i < 2; i++) {
    children[i] = fork();
    if (children[i] < 0) {
      perror("fork");
      return 2;
    }
    if (children[i] == 0) _exit(Sell(mode));
  }
  int sold = 0;
  for (int i = 0; i < 2; i++) {
    int status = 0;
    if (waitpid(children[i], &status, 0) != children[i] || !WIFEXITED(status) ||
        WEXITSTATUS(status) > 1) {
      fprintf(stderr, "seller %d failed\n", i);
      return 2;
    }
    if (WEXITSTATUS(status) == 0) sold++;
  }
  fd = open(kStock, O_RDONLY);
  int stock = fd < 0 ? -1 : ReadStock(fd);
  if (fd >= 0) close(fd);
  unlink(kStock);
  printf("sold %d, stock %d\n", sold, stock);
  if (sold > 1) {
    printf("oversold\n");
    return 1;
  }
  return 0;
}
