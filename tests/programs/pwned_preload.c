// pwned_preload.c — libpwned_preload.so: a library that announces itself when it is loaded.
// A trace whose environment carries LD_PRELOAD of it must not be replayed without --trust:
// "pwned" on the output means code of the trace's choosing ran.
#include <unistd.h>

__attribute__((constructor)) static void announce(void) {
  static const char kMessage[] = "pwned\n";
  (void)!write(STDOUT_FILENO, kMessage, sizeof(kMessage) - 1);
}
