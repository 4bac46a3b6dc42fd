// range_prior_racy.c — a range write (what newer clang reports for a memset) kept as a
// granule's last write and named by the race it meets: the filler writes the 256-byte
// buffer as one range, the reader reads its first byte without ordering. The previous
// write of the report is of size 256.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

void __tsan_write_range(void* addr, unsigned long size);  // libweft_rt.so's entry point

static char buffer[256];
static char seen;

static void* Filler(void* arg) {
  (void)arg;
  __tsan_write_range(buffer, sizeof buffer);  // the range write
  memset(buffer, 1, sizeof buffer);
  return NULL;
}

static void* Reader(void* arg) {
  (void)arg;
  seen = *(volatile char*)buffer;  // the racing read
  return NULL;
}

int main(void) {
  pthread_t filler, reader;
  pthread_create(&filler, NULL, Filler, NULL);
  pthread_create(&reader, NULL, Reader, NULL);
  pthread_join(filler, NULL);
  pthread_join(reader, NULL);
  printf("%d\n", seen);
  return 0;
}
