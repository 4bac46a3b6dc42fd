/* stop_flag.c — a driver-style stop flag: two workers check `stopping` under the driver's
 * lock, let it go, then use the device; the stop path sets `stopping` and then tears the
 * device down, each under the lock. A worker that checked the flag before the stop and
 * uses the device after the teardown touches a device that is gone. Exit 1 on the bug. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t driver = PTHREAD_MUTEX_INITIALIZER;
static int stopping, device_up = 1, used_after_stop;

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&driver);
    int stop = stopping;
    pthread_mutex_unlock(&driver);
    if (stop) return NULL;
    pthread_mutex_lock(&driver); /* the bug: the check and the use are two sections */
    if (!device_up) used_after_stop = 1;
    pthread_mutex_unlock(&driver);
  }
  return NULL;
}

static void* stopper(void* arg) {
  (void)arg;
  pthread_mutex_lock(&driver);
  stopping = 1;
  pthread_mutex_unlock(&driver);
  pthread_mutex_lock(&driver);
  device_up = 0;
  pthread_mutex_unlock(&driver);
  return NULL;
}

int main(void) {
  pthread_t w1, w2, s;
  pthread_create(&w1, NULL, worker, NULL);
  pthread_create(&w2, NULL, worker, NULL);
  pthread_create(&s, NULL, stopper, NULL);
  pthread_join(w1, NULL);
  pthread_join(w2, NULL);
  pthread_join(s, NULL);
  if (used_after_stop) {
    printf("a worker used the device after it was torn down\n");
    return 1;
  }
  return 0;
}
