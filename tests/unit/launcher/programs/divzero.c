// Integer division by zero (SIGFPE). Both operands are volatile globals: gcc rewrites
// 1 / x as a comparison, and must not fold a constant division either.
volatile int g_numerator = 100;
volatile int g_zero = 0;
int main(void) {
  volatile int x = g_numerator / g_zero;
  return x;
}
