/* file_stock_racy.c — two forked processes sell from a stock kept in a file.
 *
 * The parent writes "1" to a stock file in the working directory and forks two sellers.
 * Each seller reads the stock (open, read), and if an item is left writes the stock less
 * one back (lseek, write) and exits 0 ("sold"), else exits 1. With both reads before
 * either write, both sell the one item: the parent sees two sales and says "oversold"
 * (exit 1). Modes: `flock` takes an exclusive flock around the read-check-write (correct);
 * `stdio` does the same as the default with fopen/fscanf/fprintf/fclose.
 *
 * Expected outcome natively: "sold 1, stock 0" and exit 0 nearly always.
 * Families: fork, waitpid, open, read, write, flock, stdio, process exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* kStock = "file_stock.txt";

static int ReadStock(int fd) {
  char buf[16] = {0};
  if (read(fd, buf, sizeof buf - 1) < 0) return -100;
  return atoi(buf);
}

static int SellWithFd(int locked) {
  int fd = open(kStock, O_RDWR);
  if (fd < 0) return 2;
  if (locked) flock(fd, LOCK_EX);
  int stock = ReadStock(fd);
  int sold = 0;
  if (stock > 0) { /* the check, then the write-back */
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d\n", stock - 1);
    lseek(fd, 0, SEEK_SET);
    if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n) return 2;
    sold = 1;
  }
  if (locked) flock(fd, LOCK_UN);
  close(fd);
  return sold ? 0 : 1;
}

static int SellWithStdio(void) {
  FILE* f = fopen(kStock, "r");
  if (f == NULL) return 2;
  int stock = 0;
  if (fscanf(f, "%d", &stock) != 1) stock = 0;
  fclose(f);
  if (stock <= 0) return 1;
  f = fopen(kStock, "w");
  if (f == NULL) return 2;
  fprintf(f, "%d\n", stock - 1);
  fclose(f);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "fd";
  FILE* f = fopen(kStock, "w");
  if (f == NULL) {
    perror(kStock);
    return 2;
  }
  fprintf(f, "1\n");
  fclose(f);
  fflush(stdout);
  pid_t children[2];
  for (int i = 0; i < 2; i++) {
    children[i] = fork();
    if (children[i] < 0) {
      perror("fork");
      return 2;
    }
    if (children[i] == 0) {
      int code =
          strcmp(mode, "stdio") == 0 ? SellWithStdio() : SellWithFd(strcmp(mode, "flock") == 0);
      _exit(code);
    }
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
  f = fopen(kStock, "r");
  int stock = -1;
  if (f == NULL || fscanf(f, "%d", &stock) != 1) return 2;
  fclose(f);
  unlink(kStock);
  printf("sold %d, stock %d\n", sold, stock);
  if (sold > 1) {
    printf("oversold\n");
    return 1;
  }
  return 0;
}
