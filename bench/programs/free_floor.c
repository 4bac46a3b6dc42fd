/* free_floor.c — what the program's side of a free recording's event costs at the least, in
 * each of the designs issue 11 names, with no weft and no reader: the lock ping-pong of
 * free_events.c (two threads, one mutex, N iterations each, 4 events an iteration), each
 * event stored as a 32-byte record the way the mode says (bench/free_floor.py).
 *
 *   free_floor MODE N      prints the process's CPU seconds (user + system)
 *
 * MODE:
 *   native      no record
 *   global_tsc  the shim's design: rdtsc, one atomic add on a head both threads share (the
 *               slot is the event's place in the order), the record into a 4 MiB ring, its
 *               first byte stored last (the commit)
 *   global      the same without rdtsc
 *   own_tsc     per-thread buffers (4 MiB each, no atomic): the order kept per object, a
 *               sequence number the mutex's holder increments (both events of a lock and an
 *               unlock are inside the critical section, so a plain add on a line the holder
 *               already has), rdtsc
 *   own         the same without rdtsc
 * Nobody reads the records (a reader pulling the lines to its core would add to every mode
 * but native), so these are floors.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

enum { kSlotBytes = 32, kRingSlots = (4 << 20) / kSlotBytes };

struct Record {
  uint8_t type;
  uint8_t kind;
  uint16_t tid;
  uint32_t obj;
  uint64_t time;
  uint64_t seq;
  int64_t arg;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count, iterations;
static int mode;  // 0 native, 1 global_tsc, 2 global, 3 own_tsc, 4 own

static struct Record* ring;
static _Alignas(64) uint64_t head;              // the global order's next slot
static _Alignas(64) uint64_t object_seq;        // the mutex's own order (own modes)
static _Alignas(64) struct Record* buffers[2];  // per-thread buffers (own modes)

static inline uint64_t Ticks(void) {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return 0;
#endif
}

static inline void Emit(int tid, uint64_t* own_next, uint8_t kind) {
  struct Record r;
  memset(&r, 0, sizeof r);
  r.type = 1;
  r.kind = kind;
  r.tid = (uint16_t)tid;
  r.obj = 1;
  if (mode == 1 || mode == 3) r.time = Ticks();
  if (mode <= 2) {
    uint64_t slot = __atomic_fetch_add(&head, 1, __ATOMIC_RELAXED);
    struct Record* to = &ring[slot & (kRingSlots - 1)];
    memcpy((uint8_t*)to + 1, (const uint8_t*)&r + 1, sizeof r - 1);
    __atomic_store_n(&to->type, r.type, __ATOMIC_RELEASE);
  } else {
    r.seq = object_seq++;  // NB: under the mutex
    struct Record* to = &buffers[tid][*own_next & (kRingSlots - 1)];
    ++*own_next;
    memcpy((uint8_t*)to + 1, (const uint8_t*)&r + 1, sizeof r - 1);
    __atomic_store_n(&to->type, r.type, __ATOMIC_RELEASE);
  }
}

static void* player(void* arg) {
  int tid = (int)(long)arg;
  uint64_t own_next = 0;
  for (long i = 0; i < iterations; i++) {
    pthread_mutex_lock(&lock);
    if (mode != 0) Emit(tid, &own_next, 1);  // the lock: recorded after it is taken
    count++;
    if (mode != 0) Emit(tid, &own_next, 2);  // the unlock: recorded before it is given
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  static const char* const kModes[] = {"native", "global_tsc", "global", "own_tsc", "own"};
  if (argc != 3) {
    fprintf(stderr, "usage: free_floor native|global_tsc|global|own_tsc|own N\n");
    return 2;
  }
  mode = -1;
  for (int m = 0; m < 5; ++m) {
    if (strcmp(argv[1], kModes[m]) == 0) mode = m;
  }
  if (mode < 0) return 2;
  iterations = atol(argv[2]);
  ring = aligned_alloc(64, (size_t)kRingSlots * kSlotBytes);
  buffers[0] = aligned_alloc(64, (size_t)kRingSlots * kSlotBytes);
  buffers[1] = aligned_alloc(64, (size_t)kRingSlots * kSlotBytes);
  if (ring == NULL || buffers[0] == NULL || buffers[1] == NULL) return 3;
  // NB: touched before the clock starts: the shim's ring is shared memory already there.
  memset(ring, 0, (size_t)kRingSlots * kSlotBytes);
  memset(buffers[0], 0, (size_t)kRingSlots * kSlotBytes);
  memset(buffers[1], 0, (size_t)kRingSlots * kSlotBytes);
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  pthread_t a, b;
  pthread_create(&a, NULL, player, (void*)0L);
  pthread_create(&b, NULL, player, (void*)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  getrusage(RUSAGE_SELF, &after);
  double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
               (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
               (after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
               (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  printf("%.6f\n", cpu);
  return count == 2 * iterations ? 0 : 1;
}
