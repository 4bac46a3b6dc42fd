// Writes getenv(argv[1]) to fd argv[2] (a kept fd), and "out" to stdout, "err" to stderr.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const char* value = getenv(argv[1]);
  if (value == NULL) value = "(unset)";
  int fd = atoi(argv[2]);
  if (write(fd, value, strlen(value)) < 0) return 3;
  fputs("out", stdout);
  fputs("err", stderr);
  return 0;
}
