// Reads a child's output that needs many refills of the stdio buffer: the numbers 1 to 100000
// (589 KB, nine pipes' worth) through popen with fread (mode "fread"), fgets ("fgets") or
// getline ("getline": the writer's 8 KiB writes cut lines, so a line may come in two) from
// this program run as `popen_refill_ok write`, which writes them with write(); from
// `seq 1 100000` with fread ("seq": seq writes through stdio, which blocks in libc on the full
// pipe); or, from a forked child that writes them with write(), through a stream fdopen'd on
// a plain pipe ("fdopen"). glibc's stdio reads the pipe with its own read, which no hook sees.
// Prints what it read; the sum says every line came, in one piece.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kLines = 100000 };

static void Count(const char* data, size_t n, unsigned long* lines, unsigned long* sum,
                  unsigned long* value) {
  for (size_t i = 0; i < n; ++i) {
    if (data[i] == '\n') {
      ++*lines;
      *sum += *value;
      *value = 0;
    } else {
      *value = *value * 10 + (unsigned long)(data[i] - '0');
    }
  }
}

// The child of mode fdopen: the numbers, in writes of about 8 KiB.
static void WriteNumbers(int fd) {
  static char buf[8192 + 16];
  size_t n = 0;
  for (int i = 1; i <= kLines; ++i) {
    n += (size_t)snprintf(buf + n, 16, "%d\n", i);
    if (n >= 8192 || i == kLines) {
      for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w <= 0) _exit(3);
        off += (size_t)w;
      }
      n = 0;
    }
  }
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "fread";
  if (strcmp(mode, "write") == 0) {
    WriteNumbers(1);
    return 0;
  }
  FILE* f;
  pid_t child = -1;
  if (strcmp(mode, "fdopen") == 0) {
    int fds[2];
    if (pipe(fds) != 0) return 2;
    child = fork();
    if (child == 0) {
      close(fds[0]);
      WriteNumbers(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
  } else if (strcmp(mode, "seq") == 0) {
    f = popen("seq 1 100000", "r");
  } else {
    char self[4096], command[4200];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return 2;
    self[len] = '\0';
    snprintf(command, sizeof command, "'%s' write", self);
    f = popen(command, "r");
  }
  if (f == NULL) {
    perror(mode);
    return 2;
  }
  static char buf[100000];
  unsigned long bytes = 0, lines = 0, sum = 0, value = 0;
  if (strcmp(mode, "fgets") == 0) {
    char line[64];
    while (fgets(line, sizeof line, f) != NULL) {
      size_t n = strlen(line);
      bytes += n;
      Count(line, n, &lines, &sum, &value);
    }
  } else if (strcmp(mode, "getline") == 0) {
    char* line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
      bytes += (size_t)n;
      Count(line, (size_t)n, &lines, &sum, &value);
    }
    free(line);
  } else {
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
      bytes += n;
      Count(buf, n, &lines, &sum, &value);
    }
  }
  int status;
  if (child > 0) {
    fclose(f);
    if (waitpid(child, &status, 0) != child) return 2;
  } else {
    status = pclose(f);
  }
  printf("%s: %lu bytes, %lu lines, sum %lu, status %d\n", mode, bytes, lines, sum, status);
  return lines == kLines && sum == 5000050000ul && status == 0 ? 0 : 1;
}
