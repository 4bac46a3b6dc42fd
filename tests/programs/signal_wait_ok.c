/* signal_wait_ok.c — a thread waits for a signal while main works, then main sends it.
 *
 * Usage: signal_wait_ok [sigwait|sigwaitinfo|sigtimedwait|sigsuspend|process]
 * Every thread blocks SIGUSR1. The waiter waits for it with the named call (sigsuspend:
 * with SIGUSR1 let in, a handler counts it; process: sigwait for a kill() to the whole
 * process); main meanwhile takes and releases a lock 100 times, then sends SIGUSR1
 * (pthread_kill, or kill for "process") and joins the waiter.
 *
 * Expected outcome: "waiter got signal 10 after 100 steps", exit 0. A waiter that held
 * the turn while blocked would hang the program before main could send the signal.
 * Families: sigwait, sigwaitinfo, sigtimedwait, sigsuspend, pthread_kill, kill,
 * create/join, mutex_lock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int steps;
static volatile sig_atomic_t handled;
static const char* mode = "sigwait";

static void on_usr1(int sig) { handled = sig; }

static void* waiter(void* arg) {
  (void)arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  int sig = 0;
  if (strcmp(mode, "sigwait") == 0 || strcmp(mode, "process") == 0) {
    int rc = sigwait(&set, &sig);
    if (rc != 0) {
      fprintf(stderr, "sigwait: %s\n", strerror(rc));
      exit(2);
    }
  } else if (strcmp(mode, "sigwaitinfo") == 0) {
    siginfo_t info;
    sig = sigwaitinfo(&set, &info);
  } else if (strcmp(mode, "sigtimedwait") == 0) {
    struct timespec timeout = {3600, 0};
    siginfo_t info;
    sig = sigtimedwait(&set, &info, &timeout);
  } else if (strcmp(mode, "sigsuspend") == 0) {
    sigset_t during;
    pthread_sigmask(SIG_BLOCK, NULL, &during);
    sigdelset(&during, SIGUSR1);
    while (!handled) sigsuspend(&during);
    sig = handled;
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    exit(2);
  }
  pthread_mutex_lock(&lock);
  printf("waiter got signal %d after %d steps\n", sig, steps);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) mode = argv[1];
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);  // inherited by the waiter

  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  for (int i = 0; i < 100; i++) {
    pthread_mutex_lock(&lock);
    steps++;
    pthread_mutex_unlock(&lock);
  }
  if (strcmp(mode, "process") == 0) {
    kill(getpid(), SIGUSR1);
  } else {
    pthread_kill(t, SIGUSR1);
  }
  pthread_join(t, NULL);
  return 0;
}
