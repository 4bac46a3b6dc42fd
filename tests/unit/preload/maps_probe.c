/* maps_probe.c — prints which of the libraries the shim could bring along are mapped into
 * this process: "shim yes|no", "libunwind yes|no", "liblzma yes|no". Driven by
 * unwinder_loaded.py under weft record, with and without stacks. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int mapped(const char* name) {
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  if (maps == NULL) return -1;
  while (fgets(line, sizeof(line), maps) != NULL) {
    if (strstr(line, name) != NULL) found = 1;
  }
  fclose(maps);
  return found;
}

static void* worker(void* arg) { return arg; }

int main(void) {
  pthread_t t; /* one schedule point with a stack to capture */
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  printf("shim %s\n", mapped("libweft_preload.so") == 1 ? "yes" : "no");
  printf("libunwind %s\n", mapped("libunwind") == 1 ? "yes" : "no");
  printf("liblzma %s\n", mapped("liblzma") == 1 ? "yes" : "no");
  return 0;
}
