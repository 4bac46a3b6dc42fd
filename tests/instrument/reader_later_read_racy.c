// reader_later_read_racy.c — a reader's last read is the one a racing write names. main
// sets `value` before it starts the threads; the reader reads it twice on one line (the
// first read shares it) and then in a loop on another line (reads of a read-shared granule
// that are no events); the writer's store races with the reader's reads. When the store
// comes after the loop, the race's previous access is the loop's read, not the first line's.
#include <pthread.h>
#include <stdio.h>

static volatile long value;
static long sink;

static void* Reader(void* arg) {
  (void)arg;
  long seen = value + value;                    // first reads
  for (int i = 0; i < 100; i++) seen += value;  // later reads
  sink = seen;
  return NULL;
}

static void* Writer(void* arg) {
  (void)arg;
  value = 2;  // the racing write
  return NULL;
}

int main(void) {
  value = 1;
  pthread_t reader, writer;
  pthread_create(&reader, NULL, Reader, NULL);
  pthread_create(&writer, NULL, Writer, NULL);
  pthread_join(reader, NULL);
  pthread_join(writer, NULL);
  printf("%ld\n", sink);
  return 0;
}
