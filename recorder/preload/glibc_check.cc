// glibc_check.cc — the shim's side of the glibc layout check (glibc_layout.h): runs it once
// at start-up with the real functions and turns a mismatch into a shim error.
#include "glibc_layout.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

void RequireGlibcLayout() {
  GlibcFunctions fns;
  fns.mutex_init = real.pthread_mutex_init;
  fns.mutex_lock = real.pthread_mutex_lock;
  fns.mutex_unlock = real.pthread_mutex_unlock;
  fns.mutex_destroy = real.pthread_mutex_destroy;
  fns.cond_init = real.pthread_cond_init;
  fns.cond_destroy = real.pthread_cond_destroy;
  fns.barrier_init = real.pthread_barrier_init;
  fns.barrier_destroy = real.pthread_barrier_destroy;
  fns.once = real.pthread_once;
  static char why[sizeof(weft_session::error)];
  if (!CheckGlibcLayout(kGlibcLayout, fns, Gettid(), why, sizeof(why))) Die(why);
}

}  // namespace weft::shim
