// child_wait_ok: the main thread waits for a child process that cannot finish until another
// thread of the parent writes to it: the child reads one line from a pipe, which the
// parent's writer thread fills only after a short sleep, while main is already waiting.
// A wait that held weft's turn would never let the writer run (the child waits forever).
// Mode (argv[1]): waitpid, wait, wait4 or waitid — the call main waits in.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_pipe[2];

static void* Writer(void* arg) {
  (void)arg;
  usleep(1000);  // main is in its wait by now (natively, almost always)
  const char* line = "hello\n";
  if (write(g_pipe[1], line, strlen(line)) < 0) perror("write");
  return NULL;
}

// Waits for `child` with the call `mode` names; returns its exit status, -1 on error.
static int WaitFor(pid_t child, const char* mode) {
  int status = 0;
  pid_t got = -1;
  if (strcmp(mode, "wait") == 0) {
    got = wait(&status);
  } else if (strcmp(mode, "wait4") == 0) {
    struct rusage usage;
    got = wait4(child, &status, 0, &usage);
  } else if (strcmp(mode, "waitid") == 0) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)child, &info, WEXITED) != 0) return -1;
    return info.si_pid == child && info.si_code == CLD_EXITED ? info.si_status : -1;
  } else {
    got = waitpid(child, &status, 0);
  }
  return got == child && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "waitpid";
  if (pipe(g_pipe) != 0) return 2;
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    char buf[16] = {0};
    close(g_pipe[1]);
    ssize_t n = read(g_pipe[0], buf, sizeof buf - 1);
    _exit(n > 0 && strcmp(buf, "hello\n") == 0 ? 7 : 3);
  }
  pthread_t writer;
  pthread_create(&writer, NULL, Writer, NULL);
  int code = WaitFor(child, mode);
  pthread_join(writer, NULL);
  printf("%s: the child exited with %d\n", mode, code);
  return code == 7 ? 0 : 1;
}
