/* redis_seat_racy.c — two client processes book the last seat at a real redis-server.
 *
 * The program starts Debian's redis-server on 127.0.0.1 (a port the kernel had free, no
 * persistence), waits until it answers PING, stores "seats" = 1, and forks two clients, each
 * with its own connection speaking RESP. In the racy mode (default) a client does GET seats,
 * and if a seat is free, SET seats free-1 and books it — a check-then-act across two
 * requests: both GET 1, both book. In the `nx` mode a client books with SET seat:last NAME NX,
 * which redis does in one step: exactly one client gets +OK. Then the program shuts the server
 * down (SHUTDOWN NOSAVE) and waits for it.
 *
 * Expected outcome: "booked 1 of 1 seats", exit 0; the racy mode sometimes prints "double
 * booking: 2 clients booked 1 seat" and exits 1. Exit 2: the server did not start or a request
 * failed (77 when redis-server is not installed).
 * Families: fork, exec, socket (connect, send, recv), waitpid, process_exit; a real server
 * (redis-server: epoll, its own threads) under control.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kClients = 2, kSeats = 1 };

static const char* kServer = "/usr/bin/redis-server";

/* A loopback port nothing uses now (the kernel's pick for a socket bound to port 0). */
static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0 ||
      getsockname(s, (struct sockaddr*)&a, &len) != 0) {
    close(s);
    return -1;
  }
  close(s);
  return ntohs(a.sin_port);
}

/* A connection to the server, retried every 10 ms for up to 10 s while it starts; -1. */
static int connect_to(int port) {
  for (int tries = 0; tries < 1000; tries++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr*)&a, sizeof a) == 0) return s;
    close(s);
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    nanosleep(&ms10, NULL);
  }
  return -1;
}

static int send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, 0);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Sends a command (argc words) as a RESP array. */
static int command(int fd, int argc, const char** argv) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "*%d\r\n", argc);
  for (int i = 0; i < argc; i++) {
    n += snprintf(buf + n, sizeof buf - (size_t)n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
  }
  return n < (int)sizeof buf ? send_all(fd, buf, (size_t)n) : -1;
}

/* One line of the reply, without its CRLF; its length, -1 at the end or on an error. */
static int read_line(int fd, char* buf, int cap) {
  int n = 0;
  for (;;) {
    char c;
    ssize_t r = recv(fd, &c, 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    if (c == '\n') break;
    if (c != '\r' && n + 1 < cap) buf[n++] = c;
  }
  buf[n] = '\0';
  return n;
}

/* The reply to a command: a status (+OK), an integer, an error or a bulk string into `out`
 * (its first byte the type, then the text; "$" alone for a nil bulk). 0, or -1. */
static int reply(int fd, char* out, int cap) {
  if (read_line(fd, out, cap) < 1) return -1;
  if (out[0] != '$') return 0;
  int len = atoi(out + 1);
  if (len < 0) {
    out[1] = '\0';
    return 0;
  }
  if (len + 3 > cap) return -1;
  int got = 0;
  char* body = out + 1;
  while (got < len + 2) { /* the bytes and their CRLF */
    ssize_t r = recv(fd, body + got, (size_t)(len + 2 - got), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (int)r;
  }
  body[len] = '\0';
  return 0;
}

static int request(int fd, int argc, const char** argv, char* out, int cap) {
  return command(fd, argc, argv) == 0 ? reply(fd, out, cap) : -1;
}

/* A client: exit status 10 if it booked the seat, 0 if it found none, 2 on an error. */
static int client(int port, int index, int nx) {
  int fd = connect_to(port);
  if (fd < 0) return 2;
  char r[128];
  if (nx) {
    char name[16];
    snprintf(name, sizeof name, "client%d", index);
    const char* set[] = {"SET", "seat:last", name, "NX"};
    if (request(fd, 4, set, r, sizeof r) != 0) return 2;
    close(fd);
    if (strcmp(r, "+OK") == 0) return 10;
    return strcmp(r, "$") == 0 ? 0 : 2;
  }
  const char* get[] = {"GET", "seats"};
  if (request(fd, 2, get, r, sizeof r) != 0 || r[0] != '$') return 2;
  int free_seats = atoi(r + 1); /* the check */
  if (free_seats <= 0) {
    close(fd);
    return 0;
  }
  char left[16];
  snprintf(left, sizeof left, "%d", free_seats - 1);
  const char* set[] = {"SET", "seats", left}; /* the act */
  if (request(fd, 3, set, r, sizeof r) != 0 || strcmp(r, "+OK") != 0) return 2;
  close(fd);
  return 10;
}

int main(int argc, char** argv) {
  int nx = argc > 1 && strcmp(argv[1], "nx") == 0;
  if (access(kServer, X_OK) != 0) {
    printf("skip: %s is not installed\n", kServer);
    return 77;
  }
  int port = free_port();
  if (port < 0) return 2;
  char port_text[16];
  snprintf(port_text, sizeof port_text, "%d", port);
  fflush(stdout);
  pid_t server = fork();
  if (server < 0) return 2;
  if (server == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    execl(kServer, "redis-server", "--port", port_text, "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--loglevel",
          "warning", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  int fd = connect_to(port);
  char r[128];
  const char* ping[] = {"PING"};
  const char* init_racy[] = {"SET", "seats", "1"};
  const char* init_nx[] = {"DEL", "seat:last"};
  if (fd < 0 || request(fd, 1, ping, r, sizeof r) != 0 || strcmp(r, "+PONG") != 0 ||
      request(fd, nx ? 2 : 3, nx ? init_nx : init_racy, r, sizeof r) != 0) {
    printf("error: redis-server on port %d did not answer\n", port);
    kill(server, SIGKILL);
    waitpid(server, &status, 0);
    return 2;
  }
  fflush(stdout);
  pid_t clients[kClients];
  for (int i = 0; i < kClients; i++) {
    clients[i] = fork();
    if (clients[i] == 0) _exit(client(port, i, nx));
  }
  int booked = 0, errors = 0;
  for (int i = 0; i < kClients; i++) {
    if (waitpid(clients[i], &status, 0) != clients[i] || !WIFEXITED(status)) {
      errors++;
    } else if (WEXITSTATUS(status) == 10) {
      booked++;
    } else if (WEXITSTATUS(status) != 0) {
      errors++;
    }
  }
  const char* shutdown_cmd[] = {"SHUTDOWN", "NOSAVE"};
  command(fd, 2, shutdown_cmd); /* no reply: the server closes the connection and exits */
  read_line(fd, r, sizeof r);
  close(fd);
  waitpid(server, &status, 0);
  if (errors) {
    printf("error: %d clients failed\n", errors);
    return 2;
  }
  if (booked > kSeats) {
    printf("double booking: %d clients booked %d seat\n", booked, kSeats);
    return 1;
  }
  printf("booked %d of %d seats\n", booked, kSeats);
  return 0;
}
