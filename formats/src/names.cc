// names.cc — printable names of the enums of trace.h.
#include <array>

#include "weft/trace.h"

namespace weft::format {

const char* EventKindName(EventKind kind) {
  static constexpr std::array<const char*, 30> kNames = {
      "none",          "thread_start", "thread_exit",  "thread_create", "thread_join",
      "thread_detach", "mutex_lock",   "mutex_unlock", "rwlock_rdlock", "rwlock_wrlock",
      "rwlock_unlock", "cond_wait",    "cond_wake",    "cond_signal",   "cond_broadcast",
      "sem_wait",      "sem_post",     "barrier_wait", "barrier_leave", "once",
      "spin_lock",     "spin_unlock",  "futex_wait",   "futex_woken",   "futex_wake",
      "sleep",         "sleep_done",   "yield",        "fork",          "once_done",
  };
  auto index = static_cast<uint32_t>(kind);
  return index < kNames.size() ? kNames[index] : "unknown";
}

const char* ObjectKindName(ObjectKind kind) {
  static constexpr std::array<const char*, 10> kNames = {
      "none", "thread", "mutex", "rwlock", "cond", "sem", "barrier", "once", "spin", "futex",
  };
  auto index = static_cast<uint32_t>(kind);
  return index < kNames.size() ? kNames[index] : "unknown";
}

const char* OutcomeKindName(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::kExited:
      return "exited";
    case Outcome::Kind::kSignaled:
      return "signaled";
    case Outcome::Kind::kDeadlock:
      return "deadlock";
    case Outcome::Kind::kTimeout:
      return "timeout";
    case Outcome::Kind::kShimError:
      return "shim_error";
    case Outcome::Kind::kMaxSteps:
      return "max_steps";
    case Outcome::Kind::kStopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace weft::format
