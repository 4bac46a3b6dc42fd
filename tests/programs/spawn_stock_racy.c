/* spawn_stock_racy.c — a parent thread and a child process sell from one stock file; the
 * child is started by posix_spawn, posix_spawnp, system, popen or vfork + exec (the mode,
 * argv[1]).
 *
 * The parent writes "1" to a stock file in the working directory. Its thread "starter"
 * starts the child (this program again, `spawn_stock_racy sell`), which takes a lock of its
 * own, reads the stock and, if an item is left, writes the stock less one back and reports
 * a sale (its exit status 0; in popen mode the line "sold" on its stdout, which the parent
 * reads with fgets), else 1 ("none"). Meanwhile the parent's thread "seller" does the same
 * read-check-write. With both reads before either write both sell the one item: the parent
 * prints "oversold" and exits 1. Natively the child's start-up (an exec, a shell) takes far
 * longer than the parent's sale, so it nearly always finds the stock empty; only a scheduler
 * that controls the child can put its read before the parent's write.
 * The child's stdout in posix_spawn mode is a file action's dup2 to a file
 * (spawn_child.txt), which the parent reads back after the wait; a mode ending in "-flock"
 * takes an flock around the read-check-write in both (correct).
 * Mode `errors`: what the spawns report when the child cannot start (posix_spawn returns
 * the exec's or the file action's errno, not the child's 127; system of a missing program:
 * the shell's 127); prints "errors ok".
 *
 * Expected outcome natively: "sold 1, stock 0" and exit 0 nearly always.
 * Families: posix_spawn, system, popen, vfork, exec, waitpid, mutex, open, read, write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static const char* kStock = "spawn_stock.txt";
static char g_self[4096];
static char g_mode[64];
static int g_flock;

/* One read-check-write of the stock: 1 if it sold the item. */
static int SellOne(void) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* each process's own */
  pthread_mutex_lock(&lock);
  int sold = -1;
  int fd = open(kStock, O_RDWR);
  if (fd >= 0) {
    if (g_flock) flock(fd, LOCK_EX);
    char buf[16] = {0};
    if (read(fd, buf, sizeof buf - 1) >= 0) {
      int stock = atoi(buf);
      sold = 0;
      if (stock > 0) {
        int n = snprintf(buf, sizeof buf, "%d\n", stock - 1);
        lseek(fd, 0, SEEK_SET);
        if (ftruncate(fd, 0) == 0 && write(fd, buf, (size_t)n) == n) sold = 1;
      }
    }
    if (g_flock) flock(fd, LOCK_UN);
    close(fd);
  }
  pthread_mutex_unlock(&lock);
  return sold;
}

static int g_child_sold = -1;

/* Starts the child the mode says and waits for it: the child's sale (1, 0) or -1. */
static void* Starter(void* arg) {
  (void)arg;
  const char* flock_arg = g_flock ? "flock" : "plain";
  char* child_argv[] = {"spawn_stock_racy", "sell", (char*)flock_arg, NULL};
  char command[4200];
  snprintf(command, sizeof command, "'%s' sell %s", g_self, flock_arg);
  int status = 0;
  if (strncmp(g_mode, "posix_spawn", 11) == 0) {
    int search = strncmp(g_mode, "posix_spawnp", 12) == 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "spawn_child.txt", O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    pid_t pid;
    int rc = search ? posix_spawnp(&pid, g_self, &actions, NULL, child_argv, environ)
                    : posix_spawn(&pid, g_self, &actions, NULL, child_argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      fprintf(stderr, "posix_spawn: %s\n", strerror(rc));
      return NULL;
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return NULL;
    FILE* out = fopen("spawn_child.txt", "r");
    char line[32] = {0};
    if (out == NULL || fgets(line, sizeof line, out) == NULL) return NULL;
    fclose(out);
    unlink("spawn_child.txt");
    if (strcmp(line, WEXITSTATUS(status) == 0 ? "sold\n" : "none\n") != 0) return NULL;
  } else if (strncmp(g_mode, "system", 6) == 0) {
    status = system(command);
    if (status == -1 || !WIFEXITED(status)) return NULL;
  } else if (strncmp(g_mode, "popen", 5) == 0) {
    FILE* child = popen(command, "r");
    if (child == NULL) return NULL;
    char line[32] = {0};
    char* got = fgets(line, sizeof line, child);
    status = pclose(child);
    if (got == NULL || status == -1 || !WIFEXITED(status)) return NULL;
    if (strcmp(line, WEXITSTATUS(status) == 0 ? "sold\n" : "none\n") != 0) return NULL;
  } else if (strncmp(g_mode, "vfork", 5) == 0) {
    pid_t pid = vfork();
    if (pid == 0) {
      execv(g_self, child_argv);
      _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return NULL;
  } else {
    return NULL;
  }
  if (WEXITSTATUS(status) <= 1) g_child_sold = WEXITSTATUS(status) == 0;
  return NULL;
}

static int g_parent_sold = -1;

static void* Seller(void* arg) {
  (void)arg;
  g_parent_sold = SellOne();
  return NULL;
}

static int Errors(void) {
  char* argv[] = {"weft-missing", NULL};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/nonexistent/weft-missing", NULL, NULL, argv, environ);
  if (rc != ENOENT) {
    printf("posix_spawn of a missing program: %d (%s), not ENOENT\n", rc, strerror(rc));
    return 1;
  }
  rc = posix_spawnp(&pid, "weft-missing-program", NULL, NULL, argv, environ);
  if (rc != ENOENT) {
    printf("posix_spawnp of a missing program: %d (%s), not ENOENT\n", rc, strerror(rc));
    return 1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/nonexistent/dir/out.txt", O_WRONLY | O_CREAT,
                                   0644);
  char* true_argv[] = {"true", NULL};
  rc = posix_spawnp(&pid, "true", &actions, NULL, true_argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != ENOENT) {
    printf("posix_spawn with a failing open action: %d (%s), not ENOENT\n", rc, strerror(rc));
    return 1;
  }
  int status = system("exit 3");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 3) {
    printf("system(\"exit 3\"): status %#x\n", status);
    return 1;
  }
  status = system("/nonexistent/weft-missing 2>/dev/null");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 127) {
    printf("system of a missing program: status %#x, not 127\n", status);
    return 1;
  }
  if (system(NULL) == 0) {
    printf("system(NULL) says there is no shell\n");
    return 1;
  }
  printf("errors ok\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "sell") == 0) { /* the child */
    g_flock = strcmp(argv[2], "flock") == 0;
    int sold = SellOne();
    if (sold < 0) return 2;
    printf("%s\n", sold ? "sold" : "none");
    return sold ? 0 : 1;
  }
  if (argc < 2) {
    fprintf(stderr,
            "usage: spawn_stock_racy posix_spawn|posix_spawnp|system|popen|vfork[-flock]\n");
    return 2;
  }
  if (strcmp(argv[1], "errors") == 0) return Errors();
  snprintf(g_mode, sizeof g_mode, "%s", argv[1]);
  g_flock = strstr(g_mode, "-flock") != NULL;
  ssize_t n = readlink("/proc/self/exe", g_self, sizeof g_self - 1);
  if (n <= 0) return 2;
  g_self[n] = '\0';
  FILE* f = fopen(kStock, "w");
  if (f == NULL) {
    perror(kStock);
    return 2;
  }
  fprintf(f, "1\n");
  fclose(f);
  fflush(stdout);
  pthread_t starter, seller;
  pthread_create(&starter, NULL, Starter, NULL);
  pthread_create(&seller, NULL, Seller, NULL);
  pthread_join(starter, NULL);
  pthread_join(seller, NULL);
  if (g_child_sold < 0 || g_parent_sold < 0) {
    fprintf(stderr, "a seller failed (child %d, parent %d)\n", g_child_sold, g_parent_sold);
    return 2;
  }
  f = fopen(kStock, "r");
  int stock = -1;
  if (f == NULL || fscanf(f, "%d", &stock) != 1) return 2;
  fclose(f);
  unlink(kStock);
  int sold = g_child_sold + g_parent_sold;
  printf("sold %d, stock %d\n", sold, stock);
  if (sold > 1) {
    printf("oversold\n");
    return 1;
  }
  return 0;
}
