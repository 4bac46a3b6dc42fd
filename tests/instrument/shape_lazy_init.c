// shape_lazy_init.c — lazy initialisation done wrong (double-checked locking without a
// barrier): the first caller of Table() sets `ready` before it has filled the table, under the
// lock, and the fast path reads `ready` without it; a second thread that sees `ready` set uses
// a table still being built. `./shape_lazy_init fixed` fills the table first and publishes
// with a release store that the fast path reads with acquire. Exit 1 when a thread used an
// unfilled table.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SIZE 4

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;
static int table[SIZE];
static int bad;

static void Fill(void) {
  for (int i = 0; i < SIZE; i++) table[i] = i + 1;  // FILL-LINE
}

static const int* Table(void) {
  if (fixed) {
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
      pthread_mutex_lock(&lock);
      if (!ready) {
        Fill();
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
      }
      pthread_mutex_unlock(&lock);
    }
    return table;
  }
  if (!ready) {  // FAST-CHECK-LINE
    pthread_mutex_lock(&lock);
    if (!ready) {
      ready = 1;  // SET-READY-LINE
      Fill();
    }
    pthread_mutex_unlock(&lock);
  }
  return table;
}

static void* Use(void* arg) {
  (void)arg;
  const int* t = Table();
  for (int i = 0; i < SIZE; i++) {
    if (t[i] != i + 1) bad = 1;  // USE-LINE
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t x, y;
  pthread_create(&x, NULL, Use, NULL);
  pthread_create(&y, NULL, Use, NULL);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  printf(bad ? "a thread used the table before it was filled\n" : "table filled once\n");
  return bad;
}
