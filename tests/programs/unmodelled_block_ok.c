// unmodelled_block_ok.c — a thread blocks in a system call weft does not model: a raw futex
// wait issued with the syscall instruction (as a hand-written lock or a language runtime
// does), which no hook sees. The main thread wakes it after a few rounds of a pthread mutex.
// Under weft the waiter holds the turn when it blocks; weft must give the turn to the main
// thread (which alone can wake it) instead of hanging. Prints "waiter woke after 3 rounds".
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>

static int word;
static int rounds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static long raw_futex_wait(int* addr, int expected) {
  long ret;
  register long r10 __asm__("r10") = 0;  // no timeout
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"((long)SYS_futex), "D"(addr), "S"((long)FUTEX_WAIT_PRIVATE),
                     "d"((long)expected), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}

static void* waiter(void* arg) {
  (void)arg;
  while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) == 0) raw_futex_wait(&word, 0);
  pthread_mutex_lock(&lock);
  printf("waiter woke after %d rounds\n", rounds);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&lock);
    ++rounds;
    pthread_mutex_unlock(&lock);
  }
  __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  pthread_join(t, NULL);
  return 0;
}
