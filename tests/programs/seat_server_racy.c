/* seat_server_racy.c — two client processes book the last seat at a server process.
 *
 * The parent listens on 127.0.0.1 (a port the kernel picks) and forks a server, which serves
 * both connections from one poll loop: "GET" answers the free seats, "SET n" stores n,
 * "TAKE" takes a seat if one is free (answers 1 or 0). Then it forks two clients. In the
 * racy mode each client does GET, and if a seat is free, SET free-1 and books it — a
 * check-then-act across two requests: both GET 1, both book. In the fixed mode a client
 * books with TAKE, which the server does in one step.
 *
 * Expected outcome: "booked 1 of 1 seats", exit 0; the racy mode sometimes prints "double
 * booking: 2 clients booked 1 seat" and exits 1.
 * Families: fork, socket (connect, accept, send, recv), poll, waitpid, process_exit.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kClients = 2, kSeats = 1 };

/* One line (without its newline) into buf; its length, -1 at the end or on an error. */
static int read_line(int fd, char* buf, int cap) {
  int n = 0;
  while (n + 1 < cap) {
    char c;
    ssize_t r = recv(fd, &c, 1, 0);
    if (r <= 0) return -1;
    if (c == '\n') break;
    buf[n++] = c;
  }
  buf[n] = '\0';
  return n;
}

static int send_line(int fd, const char* text) {
  size_t len = strlen(text);
  return send(fd, text, len, 0) == (ssize_t)len ? 0 : -1;
}

static void serve(int listener) {
  int free_seats = kSeats;
  struct pollfd fds[kClients];
  int accepted = 0, open = 0;
  while (accepted < kClients || open > 0) {
    if (accepted < kClients) {
      int c = accept(listener, NULL, NULL);
      if (c < 0) _exit(2);
      fds[accepted].fd = c;
      fds[accepted].events = POLLIN;
      accepted++;
      open++;
      continue;
    }
    if (poll(fds, kClients, -1) < 0) _exit(2);
    for (int i = 0; i < kClients; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char line[64], reply[32];
      if (read_line(fds[i].fd, line, sizeof line) < 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open--;
        continue;
      }
      if (strcmp(line, "GET") == 0) {
        snprintf(reply, sizeof reply, "%d\n", free_seats);
      } else if (strncmp(line, "SET ", 4) == 0) {
        free_seats = atoi(line + 4);
        snprintf(reply, sizeof reply, "OK\n");
      } else if (strcmp(line, "TAKE") == 0) {
        snprintf(reply, sizeof reply, "%d\n", free_seats > 0 ? 1 : 0);
        if (free_seats > 0) free_seats--;
      } else {
        snprintf(reply, sizeof reply, "ERR\n");
      }
      send_line(fds[i].fd, reply);
    }
  }
  _exit(0);
}

/* A client: exit status 10 if it booked a seat, 0 if none was free, 2 on an error. */
static void client(int port, int fixed) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || connect(s, (struct sockaddr*)&a, sizeof a) != 0) _exit(2);
  char line[32];
  if (fixed) {
    if (send_line(s, "TAKE\n") != 0 || read_line(s, line, sizeof line) < 0) _exit(2);
    _exit(atoi(line) == 1 ? 10 : 0);
  }
  if (send_line(s, "GET\n") != 0 || read_line(s, line, sizeof line) < 0) _exit(2);
  int free_seats = atoi(line);
  if (free_seats <= 0) _exit(0);
  char set[32];
  snprintf(set, sizeof set, "SET %d\n", free_seats - 1);
  if (send_line(s, set) != 0 || read_line(s, line, sizeof line) < 0) _exit(2);
  _exit(10);
}

int main(int argc, char** argv) {
  int fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listener < 0 || bind(listener, (struct sockaddr*)&a, sizeof a) != 0 ||
      listen(listener, 8) != 0 || getsockname(listener, (struct sockaddr*)&a, &len) != 0) {
    perror("listen");
    return 2;
  }
  int port = ntohs(a.sin_port);
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) serve(listener);
  close(listener);
  pid_t clients[kClients];
  for (int i = 0; i < kClients; i++) {
    clients[i] = fork();
    if (clients[i] == 0) client(port, fixed);
  }
  int booked = 0, errors = 0;
  for (int i = 0; i < kClients; i++) {
    int status = 0;
    waitpid(clients[i], &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
      booked++;
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      errors++;
  }
  int status = 0;
  waitpid(server, &status, 0);
  if (errors > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    printf("error: %d clients failed, server status %d\n", errors, status);
    return 2;
  }
  if (booked > kSeats) {
    printf("double booking: %d clients booked %d seat\n", booked, kSeats);
    return 1;
  }
  printf("booked %d of %d seats\n", booked, kSeats);
  return 0;
}
