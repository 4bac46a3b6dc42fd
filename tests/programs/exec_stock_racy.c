/* exec_stock_racy.c — two sellers, each a forked child that execs a new program image,
 * sell from a stock kept in a file.
 *
 * The parent writes "1" to a stock file in the working directory and forks two children;
 * each execs this program again (/proc/self/exe) as `exec_stock_racy sell`, which reads the
 * stock (open, read) and, if an item is left, writes the stock less one back (lseek,
 * ftruncate, write) and exits 0 ("sold"), else exits 1. The new image starts a thread that
 * does the selling (its threads are the session's too) and joins it. With both reads before
 * either write, both sell the one item: the parent sees two sales and says "oversold"
 * (exit 1). Only a scheduler that controls the exec'd images can order the two reads.
 * Mode `flock`: an exclusive flock around the read-check-write (correct).
 *
 * Expected outcome natively: "sold 1, stock 0" and exit 0 nearly always.
 * Families: fork, exec, thread create/join, waitpid, open, read, write, flock, process exit.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* kStock = "exec_stock.txt";

struct Sale {
  int locked;
  int code;
};

static void* Sell(void* arg) {
  struct Sale* sale = arg;
  sale->code = 2;
  int fd = open(kStock, O_RDWR);
  if (fd < 0) return NULL;
  if (sale->locked) flock(fd, LOCK_EX);
  char buf[16] = {0};
  if (read(fd, buf, sizeof buf - 1) < 0) return NULL;
  int stock = atoi(buf);
  sale->code = 1;
  if (stock > 0) { /* the check, then the write-back */
    int n = snprintf(buf, sizeof buf, "%d\n", stock - 1);
    lseek(fd, 0, SEEK_SET);
    if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n) {
      sale->code = 2;
      return NULL;
    }
    sale->code = 0;
  }
  if (sale->locked) flock(fd, LOCK_UN);
  close(fd);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "sell") == 0) { /* the exec'd image */
    struct Sale sale = {strcmp(argv[2], "flock") == 0, 2};
    pthread_t seller;
    if (pthread_create(&seller, NULL, Sell, &sale) != 0) return 2;
    pthread_join(seller, NULL);
    return sale.code;
  }
  const char* mode = argc > 1 ? argv[1] : "plain";
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
      execl("/proc/self/exe", "exec_stock_racy", "sell", mode, (char*)NULL);
      perror("execl");
      _exit(2);
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
