// digest.cc — the digest of a whole trace.
#include "weft/digest.h"

namespace weft::analysis {

uint64_t DigestOf(const format::Trace& trace) {
  EventDigest digest;
  size_t w = 0;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const format::Event& e = trace.events[i];
    digest.AddEvent(e.tid, static_cast<uint32_t>(e.kind), e.flags, e.enabled, e.obj, e.arg,
                    e.vtime);
    // NB: a wake belongs to its waking event: it is mixed in right after it.
    for (; w < trace.wakes.size() && trace.wakes[w].event_index == i; ++w) {
      digest.AddWake(trace.wakes[w].woken);
    }
  }
  return digest.value();
}

uint64_t OrderDigestOf(const format::Trace& trace, uint64_t limit) {
  EventDigest digest;
  for (const format::Event& e : trace.events) {
    if (digest.order_events() >= limit) break;
    digest.AddEvent(e.tid, static_cast<uint32_t>(e.kind), e.flags, e.enabled, e.obj, e.arg,
                    e.vtime);
  }
  return digest.order_value();
}

}  // namespace weft::analysis
