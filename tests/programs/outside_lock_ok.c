/* outside_lock_ok.c — a forked child waits (fcntl F_SETLKW) for a record lock on the file
 * argv[1] that a process outside the session may hold; the parent waits for the child.
 *
 * Expected outcome: "child locked" then "parent: child exited 0", exit 0, once the outside
 * holder (if any) lets the lock go: a wait for the outside, never a deadlock.
 * Families: fork, fcntl record lock, waitpid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: outside_lock_ok FILE\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    int fd = open(argv[1], O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fd < 0 || fcntl(fd, F_SETLKW, &fl) != 0) _exit(3);
    printf("child locked\n");
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 2;
  printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
