// digest.h — a hash of a run's event stream (every decision's thread, kind, flags, enabled
// count, object, argument and virtual time, and every chosen waiter). Two runs with equal
// digests made the same schedule; replays are compared with it. An argument the event table
// marks nondeterministic (a fork's child pid) is left out: it differs between runs of one
// schedule.
#pragma once

#include <cstdint>

#include "weft/event_kinds.h"
#include "weft/free_kinds.h"
#include "weft/trace.h"

namespace weft::analysis {

// Accumulates the digest event by event, as the recorder drains them or from a trace.
class EventDigest {
 public:
  // One event, in stream order.
  void AddEvent(uint32_t tid, uint32_t kind, uint32_t flags, uint32_t enabled, uint32_t obj,
                int64_t arg, uint64_t vtime) {
    // NB: WEFT_F_EXTERNAL says that the thread waited for another process, and `enabled`
    // counts threads parked in readiness waits out: whether a descriptor another process
    // feeds was ready yet is a matter of real time, not of the schedule, so the digest
    // leaves both out.
    flags &= ~uint32_t{WEFT_F_EXTERNAL};
    (void)enabled;
    Mix((uint64_t{tid} << 48) ^ (uint64_t{kind} << 40) ^ (uint64_t{flags} << 24));
    Mix(obj);
    if (!format::InfoOf(static_cast<format::EventKind>(kind)).arg_nondeterministic) {
      Mix(static_cast<uint64_t>(arg));
    }
    Mix(vtime);
    if (weft_free_recorded_kind(static_cast<uint8_t>(kind))) {
      uint64_t failed = (flags & WEFT_F_FAILED) != 0 ? 1 : 0;
      MixOrder((uint64_t{tid} << 48) ^ (uint64_t{kind} << 40) ^ failed);
      ++order_events_;
    }
  }
  // A waiter chosen by the latest event (a futex wake).
  void AddWake(uint32_t woken) { Mix(0x57414b45ull ^ woken); }
  // The digest so far.
  uint64_t value() const { return h_; }
  // The order digest so far: the thread, kind and failure of the events of the kinds a free
  // recording records (weft/free_kinds.h), nothing else. A replay of a free recording is
  // compared with it: the replay has events the recording did not (sleeps, file accesses),
  // its times are virtual, its object ids its own.
  uint64_t order_value() const { return order_; }
  // How many events the order digest holds.
  uint64_t order_events() const { return order_events_; }

 private:
  void MixOrder(uint64_t v) {
    order_ ^= v;
    order_ *= 0x100000001b3ull;
    order_ ^= order_ >> 32;
  }
  void Mix(uint64_t v) {
    h_ ^= v;
    h_ *= 0x100000001b3ull;
    h_ ^= h_ >> 32;
  }
  uint64_t h_ = 0xcbf29ce484222325ull;
  uint64_t order_ = 0xcbf29ce484222325ull;
  uint64_t order_events_ = 0;
};

// The digest of a trace's events and wakes: the recorder's digest of the run that wrote it.
uint64_t DigestOf(const format::Trace& trace);
// The order digest of a trace's events (EventDigest::order_value), of its first `limit`
// events of the recorded kinds.
uint64_t OrderDigestOf(const format::Trace& trace, uint64_t limit = UINT64_MAX);

}  // namespace weft::analysis
