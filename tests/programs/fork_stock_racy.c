/* fork_stock_racy.c — two forked processes sell the last item of a stock in shared memory.
 *
 * The stock (1 item) and a process-shared mutex live in a MAP_SHARED mapping made before the
 * forks. Each child checks the stock under the lock, lets go of it, and then takes the lock
 * again to take the item: an atomicity violation across processes. When the second child
 * checks between the first child's check and its sale, both sell: the stock goes to -1 and
 * the parent, which waits for both children, says "oversold" and exits 1.
 * `fixed`: the check and the sale are one locked section: never oversold.
 *
 * Expected outcome natively: "stock 0, sold 1" and exit 0 nearly always.
 * Families: fork, waitpid, process-shared mutex, shared memory, process exit.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct shop {
  pthread_mutex_t lock;
  int stock;
  int sold;
};

static void sell(struct shop* s, int fixed) {
  pthread_mutex_lock(&s->lock);
  int available = s->stock > 0; /* the check */
  if (!fixed) {
    pthread_mutex_unlock(&s->lock);
    if (!available) return;
    pthread_mutex_lock(&s->lock);
  }
  if (available) { /* the sale */
    s->stock--;
    s->sold++;
  }
  pthread_mutex_unlock(&s->lock);
}

int main(int argc, char** argv) {
  int fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  struct shop* s =
      mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->lock, &attr);
  s->stock = 1;
  fflush(stdout);
  pid_t children[2];
  for (int i = 0; i < 2; i++) {
    children[i] = fork();
    if (children[i] < 0) {
      perror("fork");
      return 2;
    }
    if (children[i] == 0) {
      sell(s, fixed);
      _exit(0);
    }
  }
  for (int i = 0; i < 2; i++) {
    int status = 0;
    if (waitpid(children[i], &status, 0) != children[i] || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      fprintf(stderr, "child %d failed\n", i);
      return 2;
    }
  }
  printf("stock %d, sold %d\n", s->stock, s->sold);
  if (s->stock < 0) {
    printf("oversold\n");
    return 1;
  }
  return 0;
}
