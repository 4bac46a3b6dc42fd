/* fork_exec_ok.c — a thread works while main forks a child that execs a shell.
 *
 * The child runs `sh -c 'echo exec ok'` through execlp (the shell, a dynamic program, runs
 * under control in the session); main waits for it with waitpid and joins the worker.
 * Mode `static`: the child execs static_hello (beside this program), a static program the
 * shim cannot enter: it runs uncontrolled. Mode `program`: the child execs withdraw_ok
 * (beside this program), another program with threads and locks of its own, its code and
 * data at other addresses than this one's.
 *
 * Expected outcome: "exec ok" (static: "hello from a static binary"; program: "balance =
 * 0" or "balance = 30"), then
 * "parent: child exited 0, work = 10", exit 0.
 * Families: fork, exec, waitpid, mutex, create/join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int work;

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 10; i++) {
    pthread_mutex_lock(&lock);
    work++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  int static_child = argc > 1 && strcmp(argv[1], "static") == 0;
  int program_child = argc > 1 && strcmp(argv[1], "program") == 0;
  char helper[4096];
  ssize_t n = readlink("/proc/self/exe", helper, sizeof helper - 32);
  if (n <= 0) return 2;
  helper[n] = '\0';
  strcpy(strrchr(helper, '/') + 1, program_child ? "withdraw_ok" : "static_hello");
  pthread_t w;
  if (pthread_create(&w, NULL, worker, NULL) != 0) return 2;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    if (static_child) {
      execl(helper, "static_hello", (char*)NULL);
    } else if (program_child) {
      execl(helper, "withdraw_ok", (char*)NULL);
    } else {
      execlp("sh", "sh", "-c", "echo exec ok", (char*)NULL);
    }
    perror("execlp");
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    return 2;
  }
  pthread_join(w, NULL);
  printf("parent: child exited %d, work = %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
         work);
  return 0;
}
