/* spin_forever.c — a thread that spins forever without a single schedule point.
 *
 * Main starts a thread running `while (1) {}` and joins it. Nothing ever ends: under weft,
 * only `--timeout` stops it (the run must be reported as a timeout).
 *
 * Expected outcome: never finishes (timeout). Natively too: run it only under a timeout.
 * Families: create/join; timeout handling.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void* spin(void* arg) {
  while (1) {
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  int rc = pthread_create(&t, NULL, spin, NULL);
  if (rc != 0) {
    fprintf(stderr, "pthread_create: %s\n", strerror(rc));
    return 2;
  }
  pthread_join(t, NULL);
  return 0;
}
