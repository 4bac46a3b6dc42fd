// many_pages.c — one granule in each of 6,000 pages scattered over 1 GiB of address space
// (24 MiB touched): a thread writes them, then, after the join, a second thread reads them.
// Each read is another thread's first access to the granule, an event. Scattered (not one
// array: consecutive pages get distinct home blocks), many a page finds its home block in
// the shim's granule table held by another page and gets another block (the table's other
// path): every granule must still be tracked (6,000 events at least).
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGES 6000
#define SPAN_PAGES (1L << 18) /* 1 GiB */
static char* span;

// The i-th page: i * an odd number, modulo a power of two, so all distinct.
static long* Slot(long i) { return (long*)(span + ((i * 40503) % SPAN_PAGES) * 4096); }

static void* Fill(void* arg) {
  (void)arg;
  for (long i = 0; i < PAGES; i++) *Slot(i) = i;
  return NULL;
}

static void* Sum(void* arg) {
  long sum = 0;
  for (long i = 0; i < PAGES; i++) sum += *Slot(i);
  *(long*)arg = sum;
  return NULL;
}

int main(void) {
  span = mmap(NULL, SPAN_PAGES * 4096, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (span == MAP_FAILED) return 2;
  pthread_t a, b;
  long sum = 0;
  pthread_create(&a, NULL, Fill, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, Sum, &sum);
  pthread_join(b, NULL);
  printf("sum = %ld\n", sum);
  return sum == (long)PAGES * (PAGES - 1) / 2 ? 0 : 1;
}
