// Calls through a null function pointer: ip = 0, the caller is found from [rsp].
typedef void (*Fn)(void);
Fn volatile g_fn = 0;

__attribute__((noinline)) void call_it(void) {
  g_fn();
  __asm__ volatile("" ::: "memory");  // keep the call a call, not a tail jump
}

int main(void) {
  call_it();
  return 0;
}
