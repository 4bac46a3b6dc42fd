// shape_order.c — an order violation (use before initialisation): main starts the worker and
// only then sets up the `config` the worker reads, assuming the worker is slow to start; a
// worker that runs first finds no config and gives up. `./shape_order fixed` sets the config
// up before it starts the worker. Exit 1 when the worker ran before the config was set.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Config {
  int workers;
};

static struct Config* config;
static int used;

static void* Worker(void* arg) {
  (void)arg;
  struct Config* c = config;           // USE-LINE
  used = c != NULL ? c->workers : -1;  // USE-FIELD-LINE
  return NULL;
}

static struct Config* Load(void) {
  struct Config* c = malloc(sizeof *c);  // ALLOC-LINE
  c->workers = 4;                        // LOAD-FIELD-LINE
  return c;
}

int main(int argc, char** argv) {
  int fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t worker;
  if (fixed) config = Load();
  pthread_create(&worker, NULL, Worker, NULL);
  if (!fixed) config = Load();  // INIT-LINE
  pthread_join(worker, NULL);
  printf("%d workers\n", used);
  return used == 4 ? 0 : 1;
}
