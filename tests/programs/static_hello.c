/* static_hello.c — a statically linked program (linked with -static).
 *
 * weft's shim is an LD_PRELOAD library, which a static program never loads: weft must
 * refuse it with a clear one-line error naming the path.
 *
 * Expected outcome (natively): prints "hello from a static binary", exit 0.
 * Families: none (bad-input test).
 */
#include <stdio.h>

int main(void) {
  printf("hello from a static binary\n");
  return 0;
}
