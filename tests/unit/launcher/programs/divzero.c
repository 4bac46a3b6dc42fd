// Integer division by zero (SIGFPE); volatile keeps the compiler from folding it.
volatile int g_zero = 0;
int main(void) {
  volatile int x = 1 / g_zero;
  return x;
}
