/* wait_join_ok.c — a parent reads what its child wrote, after waiting for the child's end.
 *
 * The parent writes "0" to a file in the working directory, starts a child that writes "42"
 * over it and exits 7, waits for the child, then reads the file. The wait orders the child's
 * write before the parent's read (a join), and the fork orders the parent's first write
 * before the child's: no two of these accesses race.
 * Modes (argv[1]) — how the child is started and waited for:
 *   waitpid (default) fork, waitpid(pid, &status, 0)
 *   poll              fork, waitpid(pid, &status, WNOHANG) every millisecond until it ended
 *   wait              fork, wait(&status)
 *   waitid            fork, waitid(P_PID, pid, &info, WEXITED)
 *   clone             clone() without CLONE_VM (SIGCHLD as its exit signal), waitpid
 *
 * Expected outcome: "child 7 wrote 42", exit 0.
 * Families: fork, clone, waitpid, wait, waitid, open, read, write, process_exit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* kFile = "wait_join.txt";

static int write_value(const char* text) {
  int fd = open(kFile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int child_main(void* unused) {
  (void)unused;
  return write_value("42") == 0 ? 7 : 1;
}

static char g_stack[256 * 1024] __attribute__((aligned(16)));

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "waitpid";
  if (write_value("0") != 0) return 2;
  pid_t pid;
  if (strcmp(mode, "clone") == 0) {
    pid = clone(child_main, g_stack + sizeof g_stack, SIGCHLD, NULL);
  } else {
    pid = fork();
    if (pid == 0) _exit(child_main(NULL));
  }
  if (pid < 0) return 2;
  int status = 0;
  if (strcmp(mode, "poll") == 0) {
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
      struct timespec ms = {0, 1000 * 1000};
      nanosleep(&ms, NULL);
    }
    if (r != pid) return 2;
  } else if (strcmp(mode, "wait") == 0) {
    if (wait(&status) != pid) return 2;
  } else if (strcmp(mode, "waitid") == 0) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED) != 0 || info.si_pid != pid) return 2;
    status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : 0x7f;
  } else if (waitpid(pid, &status, 0) != pid) {
    return 2;
  }
  if (!WIFEXITED(status)) return 2;
  char buf[16] = {0};
  int fd = open(kFile, O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) return 2;
  close(fd);
  unlink(kFile);
  printf("child %d wrote %s\n", WEXITSTATUS(status), buf);
  return strcmp(buf, "42") == 0 && WEXITSTATUS(status) == 7 ? 0 : 1;
}
