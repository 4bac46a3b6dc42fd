// A writer process keeps writing to its peer after the peer has gone: a Unix socket whose
// peer process closed it, or shut down its reading side and lives on (`shutdown`: no poll
// shows it), a loopback TCP connection the server closed, a pipe whose reader
// exited (each: the writer dies by SIGPIPE), and a zero-length write to such a pipe (which
// returns 0 and raises nothing, then the writer exits 0). The parent reaps the writer and
// prints how it ended, so a run always exits 0 and prints one line.
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kWrites = 50 };

// The peer: reads one message, then exits (closing its end).
static void Peer(int fd) {
  char buf[8];
  if (read(fd, buf, sizeof buf) < 0) _exit(3);
  _exit(0);
}

// Writes until a write fails; then the process exits 4 (0 when every write went through).
// On a socket, the first message is read by the peer, which then closes: the writer waits
// for that (its read gives 0) so that the peer never closes with data unread (TCP would
// reset the connection: ECONNRESET, not SIGPIPE).
static void Writer(int fd, size_t len, int socket, int half) {
  if (half) {
    char c;
    if (read(fd, &c, 1) != 1) _exit(5);  // the peer has shut down its reading side
  } else if (socket) {
    char buf[8];
    if (write(fd, "ping", len) < 0 || read(fd, buf, sizeof buf) != 0) _exit(5);
  }
  for (int i = 0; i < kWrites; ++i) {
    if (write(fd, "ping", len) < 0) _exit(4);
    usleep(500);
  }
  _exit(0);
}

static int Reap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "socket";
  int fds[2];
  pid_t peer = -1;
  size_t len = 4;
  int half = strcmp(mode, "shutdown") == 0;
  int hold[2] = {-1, -1};  // shutdown: the peer lives while the writer holds hold[1]
  if (half && pipe(hold) != 0) return 2;
  if (strcmp(mode, "socket") == 0 || half || strcmp(mode, "pipe") == 0 ||
      strcmp(mode, "empty") == 0) {
    int made =
        strcmp(mode, "socket") == 0 || half ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds);
    if (made != 0) return 2;
    if (strcmp(mode, "empty") == 0) len = 0;
    peer = fork();
    if (peer == 0) {
      close(fds[1]);
      if (len == 0) _exit(0);  // gone before any write
      if (half) {
        char c = 'x';
        close(hold[1]);
        shutdown(fds[0], SHUT_RD);
        if (write(fds[0], &c, 1) != 1) _exit(3);  // tells the writer
        if (read(hold[0], &c, 1) < 0) _exit(3);   // alive until the writer is gone
        _exit(0);
      }
      Peer(fds[0]);
    }
    close(fds[0]);
  } else if (strcmp(mode, "tcp") == 0) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t addr_len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 ||
        listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr*)&addr, &addr_len) != 0)
      return 2;
    peer = fork();
    if (peer == 0) {
      int conn = accept(listener, 0, 0);
      if (conn < 0) _exit(3);
      Peer(conn);
    }
    close(listener);
    fds[1] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[1] < 0 || connect(fds[1], (struct sockaddr*)&addr, sizeof addr) != 0) return 2;
  } else {
    fprintf(stderr, "usage: peer_gone_write_ok socket|shutdown|tcp|pipe|empty\n");
    return 2;
  }
  pid_t writer = fork();
  if (writer == 0)
    Writer(fds[1], len, strcmp(mode, "socket") == 0 || strcmp(mode, "tcp") == 0, half);
  close(fds[1]);
  if (half) {
    close(hold[0]);
    close(hold[1]);
  }
  int peer_status = Reap(peer);
  int status = Reap(writer);
  if (peer_status != 0) {
    printf("%s: peer ended with status %d\n", mode, peer_status);
  } else if (WIFSIGNALED(status)) {
    printf("%s: writer killed by %s\n", mode, WTERMSIG(status) == SIGPIPE ? "SIGPIPE" : "?");
  } else {
    printf("%s: writer exited %d\n", mode, WEXITSTATUS(status));
  }
  return 0;
}
