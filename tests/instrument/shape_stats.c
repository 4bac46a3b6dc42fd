// shape_stats.c — a statistics counter updated with `+=` under two different locks: reads
// are counted under the reader's lock and writes under the writer's, but both add to the same
// `bytes_total`, so neither lock protects it and an update can be lost. `./shape_stats fixed`
// takes one stats lock for both. Exit 1 when the total is wrong.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define OPS 20

static int fixed;
static pthread_mutex_t read_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static long bytes_total;
static long reads, writes;

static void* Reader(void* arg) {
  (void)arg;
  for (int i = 0; i < OPS; i++) {
    pthread_mutex_t* lock = fixed ? &stats_lock : &read_lock;
    pthread_mutex_lock(lock);
    reads++;
    bytes_total += 3;  // READ-STATS-LINE
    pthread_mutex_unlock(lock);
  }
  return NULL;
}

static void* Writer(void* arg) {
  (void)arg;
  for (int i = 0; i < OPS; i++) {
    pthread_mutex_t* lock = fixed ? &stats_lock : &write_lock;
    pthread_mutex_lock(lock);
    writes++;
    bytes_total += 5;  // WRITE-STATS-LINE
    pthread_mutex_unlock(lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t r, w;
  pthread_create(&r, NULL, Reader, NULL);
  pthread_create(&w, NULL, Writer, NULL);
  pthread_join(r, NULL);
  pthread_join(w, NULL);
  printf("%ld reads, %ld writes, %ld bytes\n", reads, writes, bytes_total);
  return bytes_total == OPS * 8 ? 0 : 1;
}
