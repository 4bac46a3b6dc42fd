/* redis_seat_racy.c — two client processes book the last seat at a real redis-server.
 *
 * A manual check, not in the suite: its replays depend on how fast a real server answers,
 * and under load (the suite runs two tests at a time) a replay can still diverge. Run:
 *   apt-get install redis-server; gcc -O1 -g -o redis_seat_racy tests/manual/redis_seat_racy.c
 *   weft explore --runs 100 -- ./redis_seat_racy; weft replay TRACE --times 20
 *   weft explore --runs 200 -- ./redis_seat_racy fixed
 *
 * The program starts redis-server (Debian's) on 127.0.0.1 at a free port, waits until it
 * answers, forks two clients, and shuts the server down. racy (default): a client GETs the
 * seat and, if nobody holds it, SETs it to its name: a check-then-act across two requests,
 * so both can book. fixed: SET seat NAME NX, which redis does in one step.
 *
 * Expected outcome: "booked by 1 client", exit 0; the racy mode sometimes prints "double
 * booking: 2 clients booked the seat" and exits 1; exit 77 when redis-server is missing.
 * Families: fork, exec, socket (connect, send, recv), kill, waitpid.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int port;

static int connect_redis(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

static int read_line(int s, char* buf, int cap) {
  int got = 0;
  while (got + 1 < cap) {
    ssize_t r = recv(s, buf + got, 1, 0);
    if (r <= 0) return -1;
    if (buf[got] == '\n') break;
    got++;
  }
  if (got > 0 && buf[got - 1] == '\r') got--;
  buf[got] = '\0';
  return got;
}

/* One inline command; its first reply line in buf (a bulk string's value in value). */
static int command(int s, const char* cmd, char* buf, int cap, char* value, int vcap) {
  char line[128];
  int n = snprintf(line, sizeof line, "%s\r\n", cmd);
  if (send(s, line, (size_t)n, 0) != n || read_line(s, buf, cap) < 0) return -1;
  if (value != NULL) value[0] = '\0';
  if (buf[0] == '$' && atoi(buf + 1) >= 0 && (value == NULL || read_line(s, value, vcap) < 0))
    return -1;
  return 0;
}

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0 ||
      getsockname(s, (struct sockaddr*)&a, &len) != 0)
    return -1;
  close(s);
  return ntohs(a.sin_port);
}

/* A client: exit 10 if it booked the seat, 0 if it was taken, 2 on an error. */
static void client(const char* name, int fixed) {
  int s = connect_redis();
  if (s < 0) _exit(2);
  char reply[64], value[64], cmd[64];
  if (fixed) {
    snprintf(cmd, sizeof cmd, "SET seat %s NX", name);
    if (command(s, cmd, reply, sizeof reply, value, sizeof value) < 0) _exit(2);
    _exit(strcmp(reply, "+OK") == 0 ? 10 : 0);
  }
  if (command(s, "GET seat", reply, sizeof reply, value, sizeof value) < 0) _exit(2);
  if (strcmp(reply, "$-1") != 0) _exit(0); /* held by someone */
  snprintf(cmd, sizeof cmd, "SET seat %s", name);
  if (command(s, cmd, reply, sizeof reply, value, sizeof value) < 0) _exit(2);
  _exit(10);
}

int main(int argc, char** argv) {
  int fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  port = free_port();
  char portarg[16];
  snprintf(portarg, sizeof portarg, "%d", port);
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) {
    execlp("redis-server", "redis-server", "--port", portarg, "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no", "--loglevel", "warning", (char*)NULL);
    _exit(127);
  }
  /* Wait for it: a client retries, a little later each time. */
  int s = -1;
  for (int i = 0; i < 100 && s < 0; i++) {
    s = connect_redis();
    if (s < 0) {
      int status;
      if (waitpid(server, &status, WNOHANG) == server) {
        printf("redis-server is missing or failed\n");
        return 77;
      }
      usleep(10000);
    }
  }
  if (s < 0) {
    printf("redis did not start\n");
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    return 2;
  }
  close(s);
  pid_t clients[2];
  for (int i = 0; i < 2; i++) {
    clients[i] = fork();
    if (clients[i] == 0) client(i == 0 ? "alice" : "bob", fixed);
  }
  int booked = 0, errors = 0;
  for (int i = 0; i < 2; i++) {
    int status = 0;
    waitpid(clients[i], &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
      booked++;
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      errors++;
  }
  kill(server, SIGTERM);
  waitpid(server, NULL, 0);
  if (errors > 0) {
    printf("error: %d clients failed\n", errors);
    return 2;
  }
  if (booked > 1) {
    printf("double booking: %d clients booked the seat\n", booked);
    return 1;
  }
  printf("booked by %d client\n", booked);
  return 0;
}
