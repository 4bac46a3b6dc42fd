// digest.h — a hash of a run's event stream (every decision's thread, kind, object,
// result and virtual time, and every chosen waiter). Two runs with equal digests made the
// same schedule; replays are compared with it.
#pragma once

#include <cstdint>

namespace weft {

class EventDigest {
 public:
  static constexpr uint32_t kForkKind = 28;  // WEFT_EV_FORK / format::EventKind::kFork

  void AddEvent(uint32_t tid, uint32_t kind, uint32_t flags, uint32_t enabled, uint32_t obj,
                int64_t arg, uint64_t vtime) {
    Mix((uint64_t{tid} << 48) ^ (uint64_t{kind} << 40) ^ (uint64_t{flags} << 24) ^ enabled);
    Mix(obj);
    // A fork's result is the child's pid, which differs between runs of the same schedule.
    if (kind != kForkKind) Mix(static_cast<uint64_t>(arg));
    Mix(vtime);
  }
  void AddWake(uint32_t woken) { Mix(0x57414b45ull ^ woken); }
  uint64_t value() const { return h_; }

 private:
  void Mix(uint64_t v) {
    h_ ^= v;
    h_ *= 0x100000001b3ull;
    h_ ^= h_ >> 32;
  }
  uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace weft
