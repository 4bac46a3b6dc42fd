/* two_process.c — a small correct two-process program: the parent forks a child, and the two
 * pass a token back and forth N times through two pipes (each pass a channel_send and a
 * channel_recv of the session), then each appends a line to one file under flock; the
 * parent waits for the child. argv[1]: N (default 20). Exit 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static void Append(const char* path, const char* line, int len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) exit(2);
  flock(fd, LOCK_EX);
  if (write(fd, line, (size_t)len) != len) exit(2);
  flock(fd, LOCK_UN);
  close(fd);
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20;
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) return 2;
  char path[64];
  snprintf(path, sizeof path, "two_process.%d.log", (int)getpid());
  pid_t child = fork();
  if (child < 0) return 2;
  char token = 't';
  if (child == 0) {
    for (int i = 0; i < n; ++i) {
      if (read(down[0], &token, 1) != 1 || write(up[1], &token, 1) != 1) _exit(3);
    }
    Append(path, "child\n", 6);
    _exit(0);
  }
  for (int i = 0; i < n; ++i) {
    if (write(down[1], &token, 1) != 1 || read(up[0], &token, 1) != 1) return 3;
  }
  Append(path, "parent\n", 7);
  int status = 0;
  if (waitpid(child, &status, 0) != child || status != 0) return 4;
  unlink(path);
  return 0;
}
