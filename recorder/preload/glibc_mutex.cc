// glibc_mutex.cc — the state of a real glibc mutex (through glibc_layout.h): who holds
// it and whether a thread could take it now. Enabled() and the deadlock report read it.
#include "control.h"
#include "glibc_layout.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

int16_t TidOfOsTid(pid_t os_tid) {
  for (uint32_t i = 0; i < g_sched->thread_count; ++i) {
    if (g_sched->threads[i].os_tid == os_tid && g_sched->threads[i].state != SlotState::kFree) {
      return static_cast<int16_t>(i);
    }
  }
  return kNoThread;
}

int16_t MutexHolder(pthread_mutex_t* m) {
  if (!MutexLocked(m)) return kNoThread;
  return TidOfOsTid(MutexOwnerTid(m));
}

bool MutexAvailable(pthread_mutex_t* m, const Thread* self) {
  if (!MutexLocked(m)) return true;
  if (MutexOwnerTid(m) == self->os_tid) {
    int kind = MutexType(m);
    // A recursive relock succeeds and an error-checking one fails at once (EDEADLK);
    // a normal mutex relocked by its owner blocks forever: a self-deadlock.
    return kind == PTHREAD_MUTEX_RECURSIVE || kind == PTHREAD_MUTEX_ERRORCHECK;
  }
  return false;
}

}  // namespace weft::shim
